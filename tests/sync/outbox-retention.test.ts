import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemRandom } from '../../src-main/clock';
import { kioskMigrations } from '../../src-main/store/migrations/index';
import { OUTBOX_RESEND_WINDOW_MS, OutboxRepo } from '../../src-main/store/outbox';
import { openDatabase, type Db } from '../../src-main/store/sqlite';

/**
 * The re-send window (ADR restore-epoch): acked events stay in the kiosk's outbox for OUTBOX_RESEND_WINDOW_MS so that a
 * fleet server restored from an older backup can be given them again; older ones are pruned. Real SQLite file.
 */
let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
});

function outbox(): OutboxRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-retention-'));
  db = openDatabase(path.join(dir, 'kiosk.db'), kioskMigrations);
  return new OutboxRepo(db, systemRandom);
}

const T = Date.parse('2031-05-01T10:00:00.000Z');
const DAY = 86_400_000;

describe('outbox retention', () => {
  it('keeps acked events for the re-send window, re-queues them in order, and prunes only what is older', () => {
    const o = outbox();
    const ids = [0, 1, 2, 3].map((i) => o.enqueue('door.forced_open', { compartmentId: `A0${i + 1}` }, T + i));
    expect(o.lastAcked()).toBeNull();
    o.markAcked([ids[0]!], T - 40 * DAY); // acked long ago: past the window
    o.markAcked([ids[1]!, ids[2]!], T - 2 * DAY);
    expect(o.lastAcked()).toBe(ids[2]);
    expect(o.depth()).toBe(1);

    expect(o.pruneAcked(T - OUTBOX_RESEND_WINDOW_MS)).toBe(1);
    expect(o.pruneAcked(T - OUTBOX_RESEND_WINDOW_MS)).toBe(0);

    // The server lost what it acked: everything still kept is pending again, oldest first, before the unacked one.
    expect(o.requeueAcked()).toBe(2);
    expect(o.depth()).toBe(3);
    expect(o.pending(T).map((e) => e.id)).toEqual([ids[1], ids[2], ids[3]]);
    expect(o.lastAcked()).toBeNull();
  });
});
