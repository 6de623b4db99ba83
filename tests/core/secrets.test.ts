import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SyncEvent } from '../../src-shared/sync-protocol';
import { setLogSink } from '../../src-main/log';
import { SECRET, SECRET_B64, badge, depositParcel, expectParcel, makeKiosk, waitOp, type TestKiosk } from './harness';

/**
 * After every flow that handles a code, a PIN or a badge: none of them, nor the kiosk secret, is in the database
 * file, the WAL, the audit log, the outbox or the logs. And every outbox event is one the server accepts.
 */
let k: TestKiosk | null = null;
const lines: string[] = [];
afterAll(async () => {
  setLogSink((line) => process.stderr.write(line + '\n'), 'warn');
  await k?.close();
});

describe('nothing secret at rest or in logs', () => {
  it('codes, wrong codes, the PIN, badge tokens and the kiosk secret appear nowhere; outbox events are valid', async () => {
    setLogSink((line) => lines.push(line), 'debug');
    k = await makeKiosk({ jamMs: 200 });
    const codes = { delivered: '864209', waiting: '731950', wrong: '519283', jammed: '907315' };
    const token = badge('driver', { now: k.clock.now() });
    const drv = (await k.call('authBadge', { badge: token })).value.sessionId;
    const p = expectParcel(k, { code: codes.delivered, size: 'M' });
    const d = await k.call('dropoffScan', { sessionId: drv, barcode: p.barcode });
    await waitOp(k, d.value.operationId, ['opened']);
    k.sim.putItem(d.value.where.compartmentId);
    k.sim.closeDoor(d.value.where.compartmentId);
    await waitOp(k, d.value.operationId, ['closed']);
    expectParcel(k, { code: codes.waiting });
    expect((await k.call('pickupSubmitCode', { code: codes.waiting })).error?.code).toBe('CODE_INVALID');
    for (let i = 0; i < 6; i++) await k.call('pickupSubmitCode', { code: codes.wrong });
    k.clock.advance(60 * 60_000);
    // Six wrong codes harden the keypad (ADR 0008): the customer now gives the check code from the message too.
    const r = await k.call('pickupSubmitCode', { code: codes.delivered, check: p.check, source: 'scan' });
    await waitOp(k, r.value.operationId, ['opened']);
    k.sim.removeItem(d.value.where.compartmentId);
    k.sim.closeDoor(d.value.where.compartmentId);
    await waitOp(k, r.value.operationId, ['closed']);
    await k.call('pickupSubmitCode', { code: codes.delivered, check: p.check }); // a reopen by the spent code
    const jp = depositParcel(k, 'A07', { code: codes.jammed, size: 'L' });
    k.sim.jam('A07');
    const j = await k.call('pickupSubmitCode', { code: codes.jammed, check: jp.check });
    await waitOp(k, j.value.operationId, ['failed']);
    await k.call('pickupReportProblem', { operationId: j.value.operationId, kind: 'door_problem' });
    await k.call('authPin', { pin: '13579' });
    const t = (await k.call('authPin', { pin: '246810' })).value.sessionId;
    await k.call('maintenanceOpenDoor', { sessionId: t, compartmentId: 'A12', reason: 'inspection' });
    k.clock.advance(k.ctx.config.doorLeftOpenSeconds * 1000);
    k.services.checkDoorsLeftOpen();
    k.services.sweep();

    const secrets = [...Object.values(codes), p.check, p.qrToken, jp.check, jp.qrToken, '246810', '13579', token, token.split('.')[1]!, token.split('.')[2]!, SECRET_B64, SECRET.toString('hex')];
    const { repos } = k.services;
    const audit = JSON.stringify(k.ctx.db.prepare('SELECT * FROM audit_log').all());
    const outbox = JSON.stringify(k.ctx.db.prepare('SELECT * FROM outbox').all());
    const everyTable = (k.ctx.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>)
      .map((t) => JSON.stringify(k!.ctx.db.prepare(`SELECT * FROM "${t.name}"`).all()))
      .join('\n');
    const files = fs
      .readdirSync(k.dir)
      .filter((f) => f.startsWith('kiosk.db'))
      .map((f) => fs.readFileSync(path.join(k!.dir, f)).toString('latin1'))
      .join('\n');
    const logs = lines.join('\n');
    expect(lines.length, 'the log sink saw the run').toBeGreaterThan(0);
    for (const s of secrets) {
      for (const [where, text] of Object.entries({ audit, outbox, everyTable, files, logs })) expect(text.includes(s), `${s.slice(0, 12)}… in ${where}`).toBe(false);
    }
    expect(files.includes(SECRET.toString('latin1'))).toBe(false);
    expect(repos.audit.verify().ok).toBe(true);

    // Every queued event has the wire shape the server validates a batch against (one bad event poisons a batch).
    const events = repos.outbox.pending(Number.MAX_SAFE_INTEGER, 1000);
    expect(events.length).toBeGreaterThanOrEqual(7);
    for (const e of events) {
      const parsed = SyncEvent.safeParse({ id: e.id, type: e.type, occurredAt: e.occurredAt, payload: e.payload });
      expect(parsed.success, `${e.type} ${JSON.stringify(e.payload)} ${parsed.error?.message ?? ''}`).toBe(true);
    }
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['parcel.deposited', 'parcel.picked_up', 'door.jammed', 'compartment.out_of_service', 'problem.reported', 'maintenance.door_opened', 'door.left_open', 'codes.failed']),
    );
  });
});
