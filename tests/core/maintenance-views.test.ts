import { afterEach, describe, expect, it } from 'vitest';
import { badge, makeKiosk, type TestKiosk } from './harness';

let k: TestKiosk;
afterEach(async () => k?.close());

async function technician(kiosk: TestKiosk): Promise<string> {
  const s = await kiosk.call('authBadge', { badge: badge('technician', { now: kiosk.clock.now() }) });
  return s.value.sessionId;
}

type Entry = { id: number; action: string; compartmentId: string | null; reference: string | null };

describe('what the technician screen reads (issue 10 §6)', () => {
  it('the audit chain check counts the rows it returns: the viewing is recorded before the check, not after', async () => {
    k = await makeKiosk();
    const sessionId = await technician(k);
    const audit = await k.call('maintenanceAudit', { sessionId });
    expect(audit.value.chain).toEqual({ ok: true, checked: audit.value.entries.length, brokenAt: null });
    // The newest row is this viewing itself, and the check covered it.
    expect(audit.value.entries[0].action).toBe('maintenance.audit_viewed');
    expect(audit.value.entries[0].id).toBe(audit.value.chain.checked);
  });

  // Red-team finding 11 (issue 10): every visit to the audit tab (and every Refresh) wrote an entry of its own.
  it('viewing the audit log is recorded once per session, however often the tab is opened', async () => {
    k = await makeKiosk();
    const viewings = () => k.services.repos.audit.recent(100).filter((e) => e.action === 'maintenance.audit_viewed').length;
    const first = await technician(k);
    for (let i = 0; i < 3; i++) await k.call('maintenanceAudit', { sessionId: first });
    expect(viewings()).toBe(1);
    // The later reads still check the whole chain and return what it counted.
    const again = await k.call('maintenanceAudit', { sessionId: first });
    expect(again.value.chain).toEqual({ ok: true, checked: again.value.entries.length, brokenAt: null });
    // The next technician's session records its own viewing.
    const second = await technician(k);
    await k.call('maintenanceAudit', { sessionId: second });
    await k.call('maintenanceAudit', { sessionId: second });
    expect(viewings()).toBe(2);
  });

  it('fewer rows than the chain holds: the whole chain is checked, the newest `limit` rows come back', async () => {
    k = await makeKiosk();
    const sessionId = await technician(k);
    for (let i = 0; i < 5; i++) await k.call('maintenanceSelfTest', { sessionId });
    const audit = await k.call('maintenanceAudit', { sessionId, limit: 3 });
    expect(audit.value.entries).toHaveLength(3);
    expect(audit.value.chain.checked).toBeGreaterThan(3);
    expect(audit.value.entries.map((e: Entry) => e.id)).toEqual([audit.value.chain.checked, audit.value.chain.checked - 1, audit.value.chain.checked - 2]);
  });

  it('audit rows carry the compartment and the fault reference lifted out of their detail (null when none)', async () => {
    k = await makeKiosk();
    const sessionId = await technician(k);
    k.services.repos.audit.append(k.clock.now(), 'system', 'door.unconfirmed', { compartmentId: 'A03', operationId: 'op-1', reference: 'R-ABC234' });
    await k.call('maintenanceSetService', { sessionId, compartmentId: 'A02', inService: false, reason: 'Repair' });
    const { entries } = (await k.call('maintenanceAudit', { sessionId })).value as { entries: Entry[] };
    expect(entries.find((e) => e.action === 'door.unconfirmed')).toMatchObject({ compartmentId: 'A03', reference: 'R-ABC234' });
    expect(entries.find((e) => e.action === 'compartment.out_of_service')).toMatchObject({ compartmentId: 'A02', reference: null });
    expect(entries.find((e) => e.action === 'auth.session_started')).toMatchObject({ compartmentId: null, reference: null });
  });

  it('opening the Sync tab reads the state without running or auditing a sync; "Sync now" does both', async () => {
    k = await makeKiosk();
    const sessionId = await technician(k);
    const forced = () => k.services.repos.audit.recent(100).filter((e) => e.action === 'maintenance.force_sync').length;
    const read = await k.call('maintenanceSync', { sessionId, force: false });
    expect(read.value).toMatchObject({ status: expect.any(String), outboxDepth: expect.any(Number) });
    expect(forced()).toBe(0);
    await k.call('maintenanceSync', { sessionId });
    expect(forced()).toBe(1);
  });
});
