/**
 * One step of the fleet schema, in each dialect's DDL (the queries are shared; DDL types and table rebuilds are not).
 * An empty script is a step that dialect does not need (PostgreSQL starts at the current shape: see postgres-baseline.ts).
 */
export interface ServerMigration {
  /** 1, 2, 3… with no gaps: the array index + 1. */
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}
