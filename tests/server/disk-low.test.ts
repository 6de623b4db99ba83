import { afterEach, describe, expect, it } from 'vitest';
import type { HeartbeatRequest } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { startTestServer, TestKiosk, until } from './helpers';
import { startSmtpSink } from './sinks';

/**
 * Issue 14, the disk stays bounded: a kiosk under its disk reserve reports `disk.low` in its heartbeat, and the fleet's
 * `disk.low` alert rule mails its recipients once per spell through the notification outbox (ADR 0015), with an inbox
 * item the spell's end resolves as `system`; the console shows the disk on the kiosk's page and in the kiosks list.
 * A real fleet server (SQLite and, in the postgres project, PostgreSQL) with its clock injected, and a real SMTP sink.
 */
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const MiB = 1024 * 1024;
const subjectOf = (raw: string) => /^Subject: (.*)$/m.exec(raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, ''))?.[1] ?? '';
const beat = (disk?: HeartbeatRequest['disk']): HeartbeatRequest => ({ freeBySize: { S: 1, M: 1, L: 1, XL: 1 }, faults: [], outboxDepth: 0, version: '0.1.0', ...(disk ? { disk } : {}) });
const disk = (freeMiB: number): NonNullable<HeartbeatRequest['disk']> => ({
  dataDirBytes: 48 * MiB,
  freeBytes: freeMiB * MiB,
  totalBytes: 8192 * MiB,
  reserveBytes: 256 * MiB,
  low: freeMiB < 256,
});

describe('disk.low alert', () => {
  it('mails the rule once per low spell, resolves the inbox item when space returns, and shows the disk in the console', async () => {
    let t = Date.now();
    const smtp = await startSmtpSink();
    const s = await startTestServer({ now: () => t, channels: { smtpUrl: smtp.url, timeoutMs: 2000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 } });
    cleanup.push(() => smtp.close(), () => s.stop());
    const admin = await operator(s.server, 'admin');
    const k = await TestKiosk.enroll(s.server);
    const at = () => ({ now: t });
    const rules = (await admin.get('/console/api/alert-rules')).body as { rules: Array<{ kind: string }>; notYet: unknown[] };
    expect(rules.rules.map((r) => r.kind)).toContain('disk.low');
    expect(rules.notYet).toEqual([]);
    expect((await admin.send('PUT', '/console/api/alert-rules/disk.low', { enabled: true, recipients: ['noc@example.com'] })).status).toBe(200);

    // Healthy, then an older kiosk's heartbeat without `disk`: no alert.
    expect((await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, beat(disk(900)), at())).status).toBe(200);
    expect((await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, beat(), at())).status).toBe(200);
    // Under the reserve: one mail, however many heartbeats say so.
    t += 60_000;
    expect((await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, beat(disk(200)), at())).status).toBe(200);
    await until(() => smtp.mails.length === 1, 5000, 'the disk.low mail');
    expect(subjectOf(smtp.mails[0]!.raw)).toBe(`[Locker alert] Kiosk ${k.id} is low on disk: 200 MiB free, under its 256 MiB reserve; it refuses new pickups and drop-offs`);
    t += 60_000;
    await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, beat(disk(150)), at());
    const open = (await admin.get(`/console/api/inbox?kiosk=${k.id}`)).body.items as Array<{ type: string; state: string; payload: { freeBytes: number } }>;
    expect(open).toEqual([expect.objectContaining({ type: 'disk.low', state: 'new', payload: expect.objectContaining({ freeBytes: 200 * MiB }) })]);

    // The console shows the figures the kiosk sent last (kiosk page and kiosks list).
    const page = (await admin.get(`/console/api/kiosks/${k.id}`)).body as { kiosk: { disk?: { freeBytes: number; low: boolean } | null } };
    expect(page.kiosk.disk).toEqual(expect.objectContaining({ freeBytes: 150 * MiB, low: true }));
    const list = (await admin.get('/console/api/kiosks')).body as { kiosks: Array<{ kioskId: string; disk?: { freeBytes: number; low: boolean } | null }> };
    expect(list.kiosks.find((x) => x.kioskId === k.id)?.disk).toEqual(expect.objectContaining({ freeBytes: 150 * MiB, low: true }));

    // Space freed: the spell ends, its item is resolved by system; a new spell alerts again.
    t += 60_000;
    await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, beat(disk(2048)), at());
    const resolved = (await admin.get(`/console/api/inbox?kiosk=${k.id}&state=resolved`)).body.items as Array<{ resolved: { by: string; note: string | null } }>;
    expect(resolved).toEqual([expect.objectContaining({ resolved: expect.objectContaining({ by: 'system', note: 'disk above its reserve again: 2048 MiB free' }) })]);
    t += 60_000;
    await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, beat(disk(100)), at());
    await until(() => smtp.mails.length === 2, 5000, 'the second disk.low mail');
    expect(smtp.mails).toHaveLength(2);
  });
});
