import type { KioskContext, SyncHandle } from '../context';
import { createRepos } from '../store/index';
import { DEFAULT_SYNC_OPTIONS, SyncClient, type SyncOptions } from './client';
import { startEmbeddedFleet, type EmbeddedOptions } from './embedded';

export { DEFAULT_SYNC_OPTIONS, type SyncOptions } from './client';
export { SyncError } from './http';

export interface CreateSyncOptions extends Partial<SyncOptions> {
  embedded?: EmbeddedOptions;
}

/**
 * The kiosk's side of fleet sync (ARCHITECTURE §6):
 * - `config.server.url` set: sync with it (enrolling first with `server.enrollmentToken` when not yet enrolled).
 * - no URL and the simulated board (the demo), or `--demo` with any board: start an embedded fleet server on
 *   loopback and sync with that.
 * - no URL on real hardware: stay offline, say why in one line on stdout and in `lastError`; pickups and drop-offs
 *   go on locally.
 * Never blocks start-up on the network: the first cycle runs in the background.
 */
export async function createSync(ctx: KioskContext, opts: CreateSyncOptions = {}): Promise<SyncHandle> {
  const o: SyncOptions = { ...DEFAULT_SYNC_OPTIONS, ...definedOnly(opts) };
  // The services' own repositories when they exist: one EnrollmentRepo, so its cached secret is never stale.
  const repos = ctx.services?.repos ?? createRepos(ctx.db, { dataDir: ctx.dataDir, random: ctx.random });
  const url = ctx.config.server.url;

  if (!url && ctx.simulator === null && !ctx.config.demo) {
    // Real boards and no fleet: keeping the demo off real doors is right, but the person starting it must know why
    // the footer says "Offline · Locker unenrolled" (one line on stdout, beside `kiosk ready:`).
    process.stdout.write(
      'kiosk: real boards and no --server-url: no demo fleet and no badges; the kiosk stays unenrolled and offline. Give --server-url and --enrollment-token, or --demo to run the demo fleet with this board.\n',
    );
  }
  if (!url && (ctx.simulator !== null || ctx.config.demo)) {
    const fleet = await startEmbeddedFleet(ctx, repos, o, opts.embedded);
    const client = new SyncClient(ctx, repos, o, fleet.server.url, { onSynced: () => fleet.printParcels(repos) });
    client.start();
    return {
      status: () => client.status(),
      nudge: () => client.nudge(),
      syncNow: () => client.syncNow(),
      refreshManifest: (ms) => client.refreshManifest(ms),
      requestLostCode: (phone) => client.requestLostCode(phone),
      confirmLostCode: (ticket) => client.confirmLostCode(ticket),
      async close() {
        await client.close();
        await fleet.close();
      },
    };
  }

  const client = new SyncClient(ctx, repos, o, url ?? null);
  client.start();
  return client;
}

function definedOnly(o: CreateSyncOptions): Partial<SyncOptions> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'embedded') out[k] = v;
  return out as Partial<SyncOptions>;
}
