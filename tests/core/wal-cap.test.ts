import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WAL_CAP_BYTES } from '../../src-main/store/sqlite';
import { CHECKPOINT_INTERVAL_MS } from '../../src-main/store/wal';
import { makeKiosk, type TestKiosk } from './harness';

/**
 * Issue 14, the disk stays bounded: the WAL grew from 4 MB to 46 MB while another reader (a backup, the sqlite3 shell,
 * the background integrity check) held a transaction, and never shrank. Now `journal_size_limit` caps it and the
 * kiosk's own checkpoint (on the sweep's timer, the injected clock) truncates it once the reader lets go.
 * A real SQLite file; sizes are the `-wal` file's on disk.
 */
let k: TestKiosk;
let reader: Database.Database | null = null;
afterEach(async () => {
  reader?.close();
  reader = null;
  await k?.close();
});

const MiB = 1024 * 1024;

/** Writes about `mib` MiB through the outbox, ten events per transaction (each commit fsync'd, as in production). */
function write(k: TestKiosk, mib: number): void {
  const note = 'x'.repeat(60 * 1024);
  const events = Math.ceil((mib * MiB) / note.length);
  // Raw rows: 60 KiB notes are over the sync contract's 500 characters (outbox.enqueue refuses them); only their bytes matter.
  const insert = k.ctx.db.prepare('INSERT INTO outbox (id, type, occurred_at, payload) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < events; i += 10) {
    k.ctx.db.transaction(() => {
      for (let j = 0; j < 10; j++) insert.run(randomUUID(), 'problem.reported', k.clock.now(), JSON.stringify({ kind: 'other', note }));
    })();
  }
}

describe('WAL size', () => {
  it('shrinks back under the cap once a long reader lets go', async () => {
    k = await makeKiosk();
    const walFile = `${k.ctx.db.name}-wal`;
    const wal = () => fs.statSync(walFile).size;
    write(k, 4);
    expect(wal()).toBeLessThanOrEqual(WAL_CAP_BYTES + MiB);

    // Another connection holds a read transaction: no checkpoint can reset the WAL under it, so it grows.
    reader = new Database(k.ctx.db.name, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) AS n FROM outbox').get();
    write(k, 42);
    expect(wal()).toBeGreaterThan(40 * MiB);

    // While the reader holds on, the kiosk's checkpoint gives up at once instead of waiting for it.
    k.clock.advance(CHECKPOINT_INTERVAL_MS);
    const held = await k.services.disk.tick();
    expect(held.checkpoint?.busy).toBe(true);
    expect(wal()).toBeGreaterThan(40 * MiB);

    // The reader lets go; the kiosk keeps working, and its next scheduled checkpoint brings the file under the cap.
    reader.exec('COMMIT');
    reader.close();
    reader = null;
    write(k, 1);
    k.clock.advance(CHECKPOINT_INTERVAL_MS);
    const after = await k.services.disk.tick();
    expect(after.checkpoint).not.toBeNull();
    expect(wal()).toBeLessThanOrEqual(WAL_CAP_BYTES);
    expect(after.disk.walBytes).toBeLessThanOrEqual(WAL_CAP_BYTES);

    // And it stays under: more ordinary writes are checkpointed and the file is cut back whenever SQLite restarts it.
    write(k, 12);
    expect(wal()).toBeLessThanOrEqual(WAL_CAP_BYTES + MiB);
    // Nothing was lost on the way.
    expect((k.ctx.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBeGreaterThan(900);
  });

  it('the cap is set on every kiosk store connection', async () => {
    k = await makeKiosk();
    expect(k.ctx.db.pragma('journal_size_limit', { simple: true })).toBe(WAL_CAP_BYTES);
  });
});
