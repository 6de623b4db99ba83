import type { ServerMigration } from './types';

/**
 * Red-team finding A (ADR 0028 password-reset): an admin may reset another operator's password to a generated one
 * shown once. `operators.password_reset_at`: when an admin last did; while it is set the operator (who shares that
 * password with the admin) may do nothing but choose their own password (http/guard.ts). NULL: the operator chose
 * the password in use. Same statement in both dialects; only the integer type differs.
 */
const ddl = (big: string) => `
    ALTER TABLE operators ADD COLUMN password_reset_at ${big};
`;

export const m015: ServerMigration = {
  version: 15,
  name: 'password-reset',
  sqlite: ddl('INTEGER'),
  postgres: ddl('BIGINT'),
};
