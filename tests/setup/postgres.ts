import { startPgCluster } from '../server/pg';

/**
 * vitest globalSetup for the `postgres` project: one private PostgreSQL cluster for the whole run, its URL handed to
 * the workers (they fork after this runs and inherit the environment); each test server then creates its own database.
 */
export default async function setup(): Promise<() => void> {
  const cluster = await startPgCluster();
  process.env.FLEET_TEST_PG_URL = cluster.adminUrl;
  return () => cluster.stop();
}
