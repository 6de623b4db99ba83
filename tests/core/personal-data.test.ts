import { afterEach, describe, expect, it } from 'vitest';
import { RETENTION, Retention } from '../../src-main/store/retention';
import { depositParcel, makeKiosk, type TestKiosk } from './harness';

/**
 * Issue 14, personal data on the kiosk (ADR personal-data): the one thing a customer types that the kiosk keeps is a
 * problem report's note, in the outbox event for the fleet. The retention pass erases it 7 days after the fleet acked
 * the event, and 90 days after it occurred when it never was; the rest of the event stays. The audit chain never holds
 * the note, so it still verifies in full after the erasure. A real kiosk core on a real SQLite file, its clock injected.
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const DAY = 86_400_000;
const NOTE = 'Box crushed. Ada Lovelace, +48500100201, ada@example.com';
const payloadOf = (id: string) => JSON.parse((k.ctx.db.prepare('SELECT payload FROM outbox WHERE id = ?').get(id) as { payload: string }).payload) as Record<string, unknown>;
/** Every byte of the store's rows a technician or a thief could read, as text. */
const everything = () =>
  JSON.stringify(
    ['outbox', 'audit_log', 'parcels', 'door_operations', 'alarms', 'meta'].map((t) => k.ctx.db.prepare(`SELECT * FROM ${t}`).all()),
  );

async function report(compartmentId: string, code: string): Promise<string> {
  depositParcel(k, compartmentId, { code });
  const r = await k.call('pickupSubmitCode', { code });
  const rep = await k.call('pickupReportProblem', { operationId: r.value.operationId, kind: 'damaged', note: NOTE });
  expect(rep.ok).toBe(true);
  const ev = k.ctx.db
    .prepare("SELECT id FROM outbox WHERE type = 'problem.reported' AND acked_at IS NULL ORDER BY seq DESC LIMIT 1")
    .get() as { id: string };
  return ev.id;
}

describe('personal data on the kiosk', () => {
  it("erases a problem report's note 7 days after its ack, and 90 days after it occurred if never acked; the audit chain still verifies in full", async () => {
    k = await makeKiosk();
    const { repos } = k.services;
    const acked = await report('A02', '222222');
    const unacked = await report('A03', '333333');
    repos.outbox.markAcked([acked], k.clock.now());
    expect(payloadOf(acked).note).toBe(NOTE);
    // The audit chain never held the note (only kind and reference): nothing in it to erase.
    expect(JSON.stringify(k.ctx.db.prepare('SELECT detail FROM audit_log').all())).not.toContain('Lovelace');
    const retention = new Retention(k.ctx.db);
    const tick = () => retention.run(k.clock.now(), async () => {});

    k.clock.advance(RETENTION.notesAckedMs - DAY);
    expect((await tick()).outbox_notes).toBe(0);
    expect(payloadOf(acked).note).toBe(NOTE);

    k.clock.advance(2 * DAY);
    expect((await tick()).outbox_notes).toBe(1);
    expect(payloadOf(acked)).toMatchObject({ kind: 'damaged', compartmentId: 'A02', note: '[erased]' });
    expect(payloadOf(acked).reference).toMatch(/^R-/);
    // Not acked (the fleet has not got it): kept to be sent, until its own period.
    expect(payloadOf(unacked).note).toBe(NOTE);

    k.clock.advance(RETENTION.notesMs - RETENTION.notesAckedMs);
    expect((await tick()).outbox_notes).toBe(1);
    expect(payloadOf(unacked)).toMatchObject({ kind: 'damaged', compartmentId: 'A03', note: '[erased]' });
    // Still unacked: the event itself is kept and still goes to the fleet, without the note.
    expect(repos.outbox.pending(k.clock.now()).find((e) => e.id === unacked)?.payload).toMatchObject({ note: '[erased]' });
    expect(everything()).not.toContain('Lovelace');
    expect(everything()).not.toContain('500100201');
    expect(repos.audit.verify({ full: true }).ok).toBe(true);
    // Erased notes leave the partial index: a later tick has nothing to do.
    expect((await tick()).outbox_notes).toBe(0);
  });
});
