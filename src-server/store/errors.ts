/**
 * Why the fleet store refused to start, as one line an operator can act on (main.ts prints it and exits 2).
 * DB_FROM_FUTURE: the schema is newer than this build. MIGRATION_FAILED: a migration threw (nothing of it applied).
 * UNREACHABLE: the PostgreSQL URL does not answer or refuses us. KEYS_MISMATCH: the keys directory is not the one this
 * database was sealed with. KEYS_MISSING: the database already has kiosks and the keys directory is empty: an instance
 * never invents keys of its own then (every kiosk would reject its badges and nothing sealed could be opened).
 */
export class FleetStoreError extends Error {
  override readonly name = 'FleetStoreError';
  constructor(
    readonly code: 'DB_FROM_FUTURE' | 'MIGRATION_FAILED' | 'UNREACHABLE' | 'KEYS_MISMATCH' | 'KEYS_MISSING',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
