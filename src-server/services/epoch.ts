import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Q } from '../store/db';

/**
 * The fleet database's epoch (ADR restore-epoch): a random id in `server_meta` (key `epoch`) that every manifest answer
 * carries. It names one history of this database: when the database goes back in time (restored from a backup), the
 * epoch is rotated, and every kiosk that sees a new epoch resets its manifest cursor and re-sends the events it still
 * keeps (idempotent by UUID). A restore brings the OLD epoch back with the old rows, so rotation must come from outside
 * the restored data: `npm run server -- restore-mark` (the documented step), or the watermark check below, which
 * compares the database with the last state this instance saw, recorded in a file outside the database.
 */
const KEY = 'epoch';

export const newEpoch = (): string => `e_${randomBytes(8).toString('hex')}`;

/** The current epoch, created on first use (any instance, any number at once: the insert is ON CONFLICT DO NOTHING). */
export async function currentEpoch(q: Q): Promise<string> {
  const row = await q.selectFrom('server_meta').select('value').where('key', '=', KEY).executeTakeFirst();
  if (row) return row.value;
  await q
    .insertInto('server_meta')
    .values({ key: KEY, value: newEpoch() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await q.selectFrom('server_meta').select('value').where('key', '=', KEY).executeTakeFirstOrThrow()).value;
}

/**
 * Replaces the epoch if it is still `from` (a conditional update: two instances that both detect one restore rotate it
 * once; the loser reads the winner's). Without `from`, unconditionally (restore-mark). Returns the epoch now in force.
 */
export async function rotateEpoch(q: Q, from?: string): Promise<string> {
  const next = newEpoch();
  await currentEpoch(q);
  let upd = q.updateTable('server_meta').set({ value: next }).where('key', '=', KEY);
  if (from !== undefined) upd = upd.where('value', '=', from);
  await upd.execute();
  return currentEpoch(q);
}

/**
 * How far this database's history has gone: kiosks enrolled + every kiosk's manifest head + every event stored. Each
 * term only grows while the database lives (heads and counters are incremented in place, kiosks are never deleted), so
 * a value below one seen earlier means the database went back in time. One aggregate over `kiosks` (one row per kiosk).
 */
export async function databaseProgress(q: Q): Promise<number> {
  const r = await q
    .selectFrom('kiosks')
    .select([
      (eb) => eb.fn.countAll<number>().as('kiosks'),
      (eb) => eb.fn.coalesce(eb.fn.sum<number>('manifest_head'), sql<number>`0`).as('heads'),
      (eb) => eb.fn.coalesce(eb.fn.sum<number>('events_received'), sql<number>`0`).as('events'),
    ])
    .executeTakeFirstOrThrow();
  return Number(r.kiosks) + Number(r.heads) + Number(r.events);
}

export interface Watermark {
  epoch: string;
  progress: number;
  /** When it was written (server clock, ms), for an operator reading the file. */
  at: number;
}

export function readWatermark(file: string): Watermark | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Watermark>;
    return typeof v.epoch === 'string' && typeof v.progress === 'number' ? { epoch: v.epoch, progress: v.progress, at: Number(v.at ?? 0) } : null;
  } catch {
    return null; // none yet (or unreadable: treated as none, which never rotates anything)
  }
}

/** Atomic (temp file + rename) and private (0600): a half-written watermark must never look like a newer state. */
export function writeWatermark(file: string, w: Watermark): void {
  // With --database-url the data dir may exist nowhere else: create it (private), or restore detection is silently off.
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(w), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export interface EpochCheck {
  epoch: string;
  progress: number;
  /** The epoch this check replaced because the database is behind the watermark; null = nothing rotated. */
  rotatedFrom: string | null;
}

/**
 * The start-up and periodic restore check (run by the sweep, under its advisory lock, inside its transaction): if the
 * database still carries the epoch the watermark recorded but has less progress than the watermark, it was restored
 * from an older copy while the watermark was not: rotate. A different epoch in the file (another database, or another
 * instance rotated first) is simply adopted. The caller writes the returned state to the watermark after its commit.
 */
export async function checkRestored(q: Q, seen: Watermark | null): Promise<EpochCheck> {
  const epoch = await currentEpoch(q);
  const progress = await databaseProgress(q);
  if (seen && seen.epoch === epoch && progress < seen.progress) {
    return { epoch: await rotateEpoch(q, epoch), progress, rotatedFrom: epoch };
  }
  return { epoch, progress, rotatedFrom: null };
}
