import type { ServerMigration } from './types';

/**
 * Issue 12, ADR alerts-webhooks: carrier status webhooks. A carrier key may carry a webhook (URL + a secret sealed under
 * the data key: the server must sign with it, so it cannot be a one-way hash); `webhook_deliveries` is their outbox,
 * claimed with a lease as `notifications` is. One row per (key, parcel, event): an event applied twice (another instance,
 * a retried batch) queues one delivery.
 */
const deliveries = (id: string, big: string, strict: string) => `
    CREATE TABLE webhook_deliveries (
      id ${id},
      key_id TEXT NOT NULL REFERENCES carrier_keys(id),
      parcel_id TEXT NOT NULL,
      event TEXT NOT NULL CHECK (event IN ('deposited','picked_up','expired','collected','cancelled','returned')),
      event_id TEXT NOT NULL UNIQUE,
      body TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','sent','dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${big} NOT NULL,
      last_error TEXT,
      last_status INTEGER,
      created_at ${big} NOT NULL,
      sent_at ${big},
      lease_token TEXT,
      UNIQUE (key_id, parcel_id, event)
    )${strict};
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_key ON webhook_deliveries(key_id, created_at);
`;

export const m009: ServerMigration = {
  // 9 is reserved for this one; it runs as 8 until migration 008 (another part of issue 12) is in the tree. Lead: renumber.
  version: 8,
  name: 'carrier-webhooks',
  sqlite: `
    ALTER TABLE carrier_keys ADD COLUMN webhook_url TEXT;
    ALTER TABLE carrier_keys ADD COLUMN webhook_secret_sealed TEXT;
    ${deliveries('INTEGER PRIMARY KEY', 'INTEGER', ' STRICT')}
  `,
  postgres: `
    ALTER TABLE carrier_keys ADD COLUMN webhook_url TEXT;
    ALTER TABLE carrier_keys ADD COLUMN webhook_secret_sealed TEXT;
    ${deliveries('BIGSERIAL PRIMARY KEY', 'BIGINT', '')}
  `,
};
