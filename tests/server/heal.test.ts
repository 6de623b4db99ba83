import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restoreMark } from '../../src-server/restore-mark';
import { deposited, pickedUp, startTestServer, TestKiosk, until, type Started } from './helpers';

/**
 * Issue 11, a server that heals (ADR restore-epoch), against the embedded default and (project `postgres`) PostgreSQL:
 * shipments never delivered release their reservation; a deposit that collides with the unique active-barcode index
 * is a per-event conflict, never a poisoned batch; the epoch every manifest answer carries, and what rotates it.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2031-03-01T08:00:00.000Z');
const S1 = { S: 1, M: 0, L: 0, XL: 0 };

let started: Started[] = [];
afterEach(async () => {
  for (const s of started) await s.stop().catch(() => undefined);
  started = [];
});

/**
 * A test server whose start-up sweep has finished (it writes the watermark last): on PostgreSQL a sweep that finds
 * another one holding the housekeeping lock skips, so a test's own sweep must not race the start-up one.
 */
async function server(o: Parameters<typeof startTestServer>[0] = {}) {
  const s = await startTestServer(o);
  started.push(s);
  await until(() => fs.existsSync(path.join(s.dataDir, 'restore-watermark.json')), 8000, 'the start-up sweep');
  return s;
}

const signedAt = (k: TestKiosk, at: number) => ({
  events: (events: unknown[]) => k.send('POST', `/v1/kiosks/${k.id}/events`, { events }, { now: at }),
  manifest: (query: string) => k.send('GET', `/v1/kiosks/${k.id}/manifest?${query}`, undefined, { now: at }),
});

describe('shipments never delivered', () => {
  it('release their reservation after --undelivered-days: capacity and barcode freed, the carrier and the kiosk told', async () => {
    let clock = T0;
    const { server: s } = await server({ now: () => clock, undeliveredDays: 3 });
    const k = await TestKiosk.enroll(s, S1);
    const first = await s.createShipment({ barcode: 'LATE-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    // The one S compartment is reserved: a second parcel does not fit.
    await expect(s.createShipment({ barcode: 'LATE-2', size: 'S', kioskId: k.id, recipient: { phone: '+48500100201' } })).rejects.toMatchObject({ code: 'NO_CAPACITY' });

    clock = T0 + 3 * DAY - 60_000; // not yet
    await s.sweep();
    expect((await s.parcel('LATE-1'))!.status).toBe('expected');

    clock = T0 + 3 * DAY + 60_000;
    await s.sweep();
    const view = (await s.parcel('LATE-1'))!;
    expect(view).toMatchObject({ status: 'cancelled', cancelReason: 'not_delivered', cancelledAt: new Date(clock).toISOString() });
    // The carrier API shows it the same way.
    const viaHttp = await fetch(`${s.url}/v1/parcels/LATE-1`, { headers: { authorization: `Bearer ${s.adminKey}` } }).then((r) => r.json());
    expect(viaHttp).toMatchObject({ status: 'cancelled', cancelReason: 'not_delivered' });
    // The kiosk learns it through its manifest, like a carrier's cancel.
    const m = await signedAt(k, clock).manifest('cursor=1');
    expect(m.status).toBe(200);
    expect(m.body.cancellations).toEqual([expect.objectContaining({ parcelId: first.parcelId, barcode: 'LATE-1', reason: 'not_delivered' })]);
    // Capacity is free again; a second sweep releases nothing more.
    await s.createShipment({ barcode: 'LATE-2', size: 'S', kioskId: k.id, recipient: { phone: '+48500100201' } });
    await s.sweep();
    expect((await s.parcel('LATE-2'))!.status).toBe('expected');
    // A carrier's own cancel says so too.
    await s.cancelShipment('LATE-2');
    expect(await s.parcel('LATE-2')).toMatchObject({ status: 'cancelled', cancelReason: 'carrier' });
  });

  it('a deposit arriving after the release re-activates the parcel and the recipient gets the code: the physical fact wins', async () => {
    let clock = T0;
    const lines: string[] = [];
    const { server: s } = await server({ now: () => clock, undeliveredDays: 2, channels: { console: (l: string) => void lines.push(l) } });
    const k = await TestKiosk.enroll(s, S1);
    const p = await s.createShipment({ barcode: 'LATE-3', size: 'S', kioskId: k.id, recipient: { phone: '+48500100202' } });
    clock = T0 + 2 * DAY + 1;
    await s.sweep();
    expect((await s.parcel('LATE-3'))!.status).toBe('cancelled');

    const r = await signedAt(k, clock).events([deposited(p.parcelId, 'LATE-3', 'A01', 'S', clock - 1000)]);
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({ outcome: 'conflict', note: expect.stringContaining('released') });
    const after = (await s.parcel('LATE-3'))!;
    expect(after).toMatchObject({ status: 'deposited', compartmentId: 'A01', conflict: expect.stringContaining('not delivered in time') });
    await s.drainNotifications();
    expect(lines.join('\n')).toContain(p.code);
  });
});

describe('a deposit that collides with the unique active-barcode index', () => {
  it('is acked as a conflict for an operator; the rest of the batch applies and nothing answers 500', async () => {
    const { server: s } = await server();
    const k = await TestKiosk.enroll(s);
    const old = await s.createShipment({ barcode: 'DUP-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100203' } });
    const other = await s.createShipment({ barcode: 'OTHER-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100204' } });
    await s.cancelShipment('DUP-1');
    // The carrier announces the barcode again: a newer active parcel (here at the same kiosk).
    const newer = await s.createShipment({ barcode: 'DUP-1', size: 'M', kioskId: k.id, recipient: { phone: '+48500100205' } });
    // The kiosk (offline meanwhile) deposits the OLD parcel, then delivers and hands out another in the same batch.
    const batch = [deposited(old.parcelId, 'DUP-1', 'A01'), deposited(other.parcelId, 'OTHER-1', 'A02'), pickedUp(other.parcelId, 'OTHER-1', 'A02')];
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await k.events(batch);
      expect(r.status).toBe(200);
      expect(r.body.acked).toEqual(batch.map((e) => e.id));
      if (attempt === 0) {
        expect(r.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(['conflict', 'applied', 'applied']);
        expect(r.body.results[0].note).toContain(newer.parcelId);
      } else {
        expect(r.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      }
    }
    // The newer parcel is untouched; the old one carries the note (and where it physically is) for an operator.
    expect(await s.parcel('DUP-1')).toMatchObject({ parcelId: newer.parcelId, status: 'expected' });
    const [row] = await s.query<{ status: string; compartment_id: string; conflict: string }>('SELECT status, compartment_id, conflict FROM parcels WHERE id = ?', [old.parcelId]);
    expect(row).toMatchObject({ status: 'cancelled', compartment_id: 'A01', conflict: expect.stringContaining(newer.parcelId) });
    expect((await s.parcel('OTHER-1'))!.status).toBe('picked_up');
    const [ev] = await s.query<{ outcome: string; note: string }>('SELECT outcome, note FROM events WHERE id = ?', [batch[0]!.id]);
    expect(ev).toMatchObject({ outcome: 'conflict', note: expect.stringContaining('operator') });
  });
});

describe('the epoch', () => {
  it('is in every manifest answer with the kiosk head, and the server says whether it still has the last acked event', async () => {
    const { server: s } = await server();
    const k = await TestKiosk.enroll(s);
    await s.createShipment({ barcode: 'EPO-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100206' } });
    const ev = deposited('p_unknownparcel1', 'NOPE-1');
    await k.events([ev]);
    const known = await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=0&lastEvent=${ev.id}`);
    expect(known.body).toMatchObject({ epoch: expect.stringMatching(/^e_[0-9a-f]{16}$/), head: 1, lastEventKnown: true });
    const lost = await k.send('GET', `/v1/kiosks/${k.id}/manifest?cursor=1&lastEvent=${ev.id.replace(/^.{8}/, '00000000')}`);
    expect(lost.body).toMatchObject({ epoch: known.body.epoch, head: 1, lastEventKnown: false });
    // A head behind the kiosk's cursor (a restored database): the heartbeat says "pull", so a kiosk in push mode heals.
    const hb = await k.heartbeat({ S: 4, M: 3, L: 2, XL: 1 }, { cursor: '7' });
    expect(hb.body.manifestPending).toBe(true);
  });

  it('restore-mark gives the database a new epoch (the documented step after putting a backup back)', async () => {
    const st = await server();
    const k = await TestKiosk.enroll(st.server);
    const before = (await k.manifest()).body.epoch;
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string) => (out.push(String(c)), true)) as typeof process.stdout.write;
    try {
      expect(await restoreMark(st.databaseUrl ? ['--database-url', st.databaseUrl] : ['--data-dir', st.dataDir])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const after = (await k.manifest()).body.epoch;
    expect(after).not.toBe(before);
    expect(out.join('')).toContain(`${before} -> ${after}`);
  });

  it('the sweep rotates it when the database is behind the watermark this instance wrote (a restore), and only then', async () => {
    const st = await server();
    const s = st.server;
    const k = await TestKiosk.enroll(s);
    await s.sweep();
    const file = path.join(st.dataDir, 'restore-watermark.json');
    const e0 = (await k.manifest()).body.epoch;
    const w0 = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(w0).toMatchObject({ epoch: e0 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Progress: the sweep records more, and nothing rotates while the database only moves forward.
    await s.createShipment({ barcode: 'WM-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100207' } });
    await s.sweep();
    const w1 = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(w1.progress).toBeGreaterThan(w0.progress);
    expect((await k.manifest()).body.epoch).toBe(e0);
    // The file now claims more than the database holds (as after a restore of an older copy): a new epoch, once.
    fs.writeFileSync(file, JSON.stringify({ ...w1, progress: w1.progress + 5 }));
    await s.sweep();
    const e1 = (await k.manifest()).body.epoch;
    expect(e1).not.toBe(e0);
    await s.sweep();
    expect((await k.manifest()).body.epoch).toBe(e1);
  });
});

describe('the restore watermark', () => {
  it('is written even when its folder does not exist yet (with --database-url nothing else creates the data dir)', async () => {
    const { writeWatermark } = await import('../../src-server/services/epoch');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watermark-'));
    const file = path.join(dir, 'not-yet', 'restore-watermark.json');
    writeWatermark(file, { epoch: 'e_test', progress: 3, at: 1 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ epoch: 'e_test', progress: 3, at: 1 });
    expect((fs.statSync(path.dirname(file)).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });
});
