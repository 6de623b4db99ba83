import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

/**
 * Issue 14, "Cost must not grow with history": no call a kiosk makes in a day may scan a table that grows with every
 * parcel. Every statement the kiosk prepares while it runs a day's calls (pickup right and wrong, drop-off, the sweep
 * and audit care, the technician's views, the sync's outbox reads and prunes, a clock jump) is captured as SQLite sees
 * it, with its `?` parameters (a literal can get another plan), and its EXPLAIN QUERY PLAN must not say `SCAN` of a
 * history table (a partial index's scan reads only its live rows), nor search the status index for a finished status. (bench/history.ts prints what that buys at 1,000 and 1,000,000 parcels.)
 */
const HISTORY = ['parcels', 'door_operations', 'audit_log', 'outbox', 'failed_attempts'];

/**
 * Plans that say SCAN but are bounded by something other than history, with why. The audit list and the newest
 * acked event walk the primary key backwards under a LIMIT; the audit archive's batch walks it forwards under a LIMIT.
 * A clock jump moves every failed attempt: the sweep keeps only the last two days of them.
 */
const BOUNDED_SCANS: RegExp[] = [
  /^SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT \?$/,
  /^SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1$/,
  /^SELECT id FROM outbox WHERE acked_at IS NOT NULL ORDER BY seq DESC LIMIT 1$/,
  /^SELECT at FROM audit_log ORDER BY id LIMIT 1$/,
  /^SELECT id, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY id LIMIT \?$/,
  /^UPDATE failed_attempts SET at = at [+-] \?( WHERE scope = \?)?$/,
];

let k: TestKiosk;
const seen = new Set<string>();
const proto = Database.prototype as unknown as { prepare(this: Database.Database, sql: string): Database.Statement };
const original = proto.prepare;
afterEach(async () => {
  proto.prepare = original;
  await k?.close();
});

function plan(db: Database.Database, sql: string): string {
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const named = [...new Set(sql.match(/[@$:][A-Za-z_]+/g) ?? [])];
  const positional = (sql.replace(/'[^']*'/g, '').match(/\?/g) ?? []).length;
  const args: unknown[] = Array(positional).fill(1);
  if (named.length > 0) args.push(Object.fromEntries(named.map((n) => [n.slice(1), 1])));
  return (stmt.all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

describe('no history scan on any daily path', () => {
  it('every statement prepared during a day of calls reads an index (EXPLAIN QUERY PLAN)', async () => {
    proto.prepare = function (this: Database.Database, sql: string) {
      seen.add(sql.replace(/\s+/g, ' ').trim());
      return original.call(this, sql);
    };
    k = await makeKiosk();
    const tech = (await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) })).value.sessionId as string;
    const drv = (await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) })).value.sessionId as string;

    // A pickup, a wrong code, a drop-off.
    const p = depositParcel(k, 'A02', { code: '424242' });
    const r = await k.call('pickupSubmitCode', { code: '424242' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.removeItem('A02');
    k.sim.closeDoor('A02');
    await waitOp(k, r.value.operationId, ['closed']);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('picked_up');
    expect((await k.call('pickupSubmitCode', { code: '999999' })).error?.code).toBe('CODE_INVALID');
    const e = expectParcel(k, { size: 'S' });
    const d = await k.call('dropoffScan', { sessionId: drv, barcode: e.barcode });
    expect(d.ok).toBe(true);
    await waitOp(k, d.value.operationId, ['opened']);
    k.sim.putItem(d.value.where.compartmentId);
    k.sim.closeDoor(d.value.where.compartmentId);
    await waitOp(k, d.value.operationId, ['closed']);

    // The technician's views, the sweep and audit care, the sync's reads, a clock jump.
    expect((await k.call('maintenanceAudit', { sessionId: tech })).value.chain.ok).toBe(true);
    expect((await k.call('maintenanceOverview', { sessionId: tech })).ok).toBe(true);
    expect((await k.call('collectionList', { sessionId: drv })).ok).toBe(true);
    k.services.sweep();
    expect(k.services.auditCare().check?.ok).toBe(true);
    const { outbox, attempts, compartments } = k.services.repos;
    const now = k.clock.now();
    outbox.markAcked(outbox.pending(now).map((x) => x.id), now);
    outbox.depth();
    outbox.lastAcked();
    outbox.pruneAcked(now - 1);
    attempts.prune(now - 1);
    compartments.clampReopenWindows(now, 30_000);
    compartments.shiftReopenWindows(now, -60_000);

    const db = k.ctx.db;
    // A scan of a partial index reads only the live rows it holds (unacked events, open windows): not history.
    const partial = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql LIKE '% WHERE %'").all() as Array<{ name: string }>).map((r) => r.name));
    const keywords = new Set(['WHERE', 'SET', 'JOIN', 'ON', 'ORDER', 'GROUP', 'LIMIT', 'VALUES', 'INDEXED', 'LEFT', 'INNER']);
    const scans: string[] = [];
    for (const sql of seen) {
      if (!/^(SELECT|UPDATE|DELETE|WITH)\b/i.test(sql) || /EXPLAIN QUERY PLAN/.test(sql)) continue;
      if (BOUNDED_SCANS.some((re) => re.test(sql))) continue;
      const names = new Set(HISTORY);
      for (const m of sql.matchAll(/\b(parcels|door_operations|audit_log|outbox|failed_attempts)\s+(?:AS\s+)?([A-Za-z_]\w*)/gi)) if (!keywords.has(m[2]!.toUpperCase())) names.add(m[2]!);
      const p = plan(db, sql);
      for (const step of p.split(' | ')) {
        const m = /^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?/.exec(step);
        if (m && names.has(m[1]!) && !(m[2] && partial.has(m[2]))) scans.push(`${p}  <=  ${sql}`);
        // A search by a finished status is a scan of history too: every parcel ever picked up, collected or cancelled.
        if (/INDEX parcels_status_expiry \(status=\?\)/.test(step) && /status = '(picked_up|collected|cancelled)'/.test(sql)) scans.push(`${p}  <=  ${sql}`);
      }
    }
    expect(seen.size).toBeGreaterThan(40);
    expect(scans).toEqual([]);
  });
});
