import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src-main/config';
import { createKioskCore, type KioskCore } from '../../src-main/core';
import { loadLayout } from '../../src-main/hardware/layouts';
import { BoardSimulator } from '../../src-main/hardware/sim/board-sim';
import { hashPin } from '../../src-main/services/pin-hash';
import { closePort, openPort, PtyPair } from '../hardware/helpers';
import { DEMO_TECHNICIAN_PIN } from '../../src-main/services/sessions';
import { callOrThrow, pickUp, seenOpen, tempDir, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
  vi.restoreAllMocks();
});

/** Starts the demo kiosk exactly as `npm start` would (no server configured, simulated board), capturing stdout. */
async function startDemo(dir: string, out: string[], extraArgs: string[] = []): Promise<KioskCore> {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const core = await createKioskCore({ config: loadConfig(['--data-dir', dir, ...extraArgs], {}), mode: 'host', version: '0.1.0-demo', dataDir: dir });
  cleanup.push(() => core.close());
  return core;
}

const asKiosk = (core: KioskCore, dir: string): Kiosk => ({
  core,
  dir,
  events: [],
  kioskId: () => core.ctx.kioskId(),
  call: (name, input) => callOrThrow(core, name, input),
  close: () => core.close(),
});

const grab = (out: string[], re: RegExp) => out.map((l) => re.exec(l)).find(Boolean)?.[1];

describe('embedded default: no server configured + simulated board = the demo', () => {
  it('starts a fleet server on loopback, enrolls, seeds once, prints badges and the SMS codes', async () => {
    const dir = tempDir('sync-demo-');
    const out: string[] = [];
    const core = await startDemo(dir, out);
    const k = asKiosk(core, dir);
    const driver = grab(out, /^demo driver badge: (\S+)$/);
    const technician = grab(out, /^demo technician badge: (\S+)$/);
    const consoleUrl = grab(out, /^operator console: (http:\/\/127\.0\.0\.1:\d+\/console\/)$/);
    const demoOperator = /^demo operator: (\S+) password: (\S+)$/;
    const [, email, password] = out.map((l) => demoOperator.exec(l)).find(Boolean) ?? [];
    expect(driver && technician && consoleUrl && email && password).toBeTruthy();
    expect(k.kioskId()).toMatch(/^K-/);

    await core.ctx.sync.syncNow();
    expect(core.ctx.sync.status()).toMatchObject({ status: 'online', lastError: null });
    const expected = core.ctx.db.prepare(`SELECT barcode, size FROM parcels WHERE status = 'expected' ORDER BY barcode`).all() as Array<{ barcode: string }>;
    expect(expected).toHaveLength(5);
    expect(grab(out, /^demo parcels to deliver \(scan as the driver\): (.+)$/)).toContain(expected[0]!.barcode);

    // The newcomer's minute: badge, deliver, read the "SMS", pick up.
    const session = await k.call('authBadge', { badge: driver! });
    expect(session.role).toBe('driver');
    const barcode = expected[0]!.barcode;
    const started = await k.call('dropoffScan', { sessionId: session.sessionId, barcode });
    const id = started.where.compartmentId as string;
    const sim = core.ctx.simulator!;
    await seenOpen(core, started.operationId);
    sim.putItem(id);
    sim.closeDoor(id);
    const codeRe = new RegExp(`code for parcel ${barcode}\\b.* (\\d{6})\\b`);
    const code = await until(() => grab(out, codeRe), 8000, 'the SMS line on stdout');
    expect(out.find((l) => codeRe.test(l))).toMatch(/^\[(sms|email) to /);
    await pickUp(k, code, barcode);
    expect((await k.call('authBadge', { badge: technician! })).role).toBe('technician');

    // The printed demo operator signs in to the console and sees this kiosk (issue 12: the fleet page is behind sign-in).
    const signIn = await fetch(new URL('api/sign-in', consoleUrl!), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    expect(signIn.status).toBe(200);
    const cookie = /^([^;]+)/.exec(signIn.headers.get('set-cookie')!)![1]!;
    const page = await fetch(new URL('api/kiosks', consoleUrl!), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(k.kioskId());

    // A restart keeps the enrollment and does not seed again; fresh badges are printed.
    const kioskId = k.kioskId();
    await core.close();
    const out2: string[] = [];
    const again = await startDemo(dir, out2);
    expect(again.ctx.kioskId()).toBe(kioskId);
    await again.ctx.sync.syncNow();
    expect(again.ctx.sync.status().status).toBe('online');
    expect((again.ctx.db.prepare(`SELECT count(*) AS n FROM parcels`).get() as { n: number }).n).toBe(5);
    expect(grab(out2, /^demo driver badge: (\S+)$/)).toBeTruthy();
    expect(grab(out2, /^demo driver badge: (\S+)$/)).not.toBe(driver);
    // A fresh demo operator password each start (nothing keeps one in clear): the new one works, the old one no longer.
    const [, , password2] = out2.map((l) => demoOperator.exec(l)).find(Boolean) ?? [];
    const url2 = grab(out2, /^operator console: (\S+)$/)!;
    const tryPw = (pw: string) => fetch(new URL('api/sign-in', url2), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: pw }) }).then((r) => r.status);
    expect(await tryPw(password2!)).toBe(200);
    expect(await tryPw(password!)).toBe(401);
  });

  it('prints the demo technician PIN only when it works: with a configured technicianPinHash it says so instead', async () => {
    const plain: string[] = [];
    const demo = await startDemo(tempDir('sync-demo-pin-'), plain);
    expect(plain).toContain(`demo technician PIN (demo mode only): ${DEMO_TECHNICIAN_PIN}`);
    await demo.close();

    const out: string[] = [];
    const core = await startDemo(tempDir('sync-demo-pin-'), out, ['--technicianPinHash', hashPin('135790')]);
    expect(out.join('\n')).not.toContain(DEMO_TECHNICIAN_PIN);
    expect(out).toContain('technician PIN: the one configured as technicianPinHash');
    // And what the banner says is true: the demo PIN is refused, the configured one is taken.
    expect(await core.call('authPin', { pin: DEMO_TECHNICIAN_PIN })).toMatchObject({ ok: false, error: { code: 'PIN_INVALID' } });
    expect(await core.call('authPin', { pin: '135790' })).toMatchObject({ ok: true });
  });
});

describe('real boards (kerong-cu16 on a socat pty, the board simulator on the other end)', () => {
  async function boardOnPty(): Promise<{ kioskPath: string }> {
    const pty = await new PtyPair().start();
    const board = await openPort(pty.board);
    const sim = new BoardSimulator({ layout: loadLayout('demo-24'), lockBitMeansClosed: true, itemSensors: true });
    sim.attach(board);
    cleanup.push(async () => {
      await closePort(board);
      await pty.dispose();
    });
    return { kioskPath: pty.kiosk };
  }

  it('without a server URL: no demo fleet, and one line on stdout says why and how to get one', async () => {
    const { kioskPath } = await boardOnPty();
    const out: string[] = [];
    const core = await startDemo(tempDir('sync-real-'), out, ['--protocol', 'kerong-cu16', '--serial-path', kioskPath]);
    expect(core.ctx.kioskId()).toBe('unenrolled');
    expect(out.filter((l) => /real boards and no --server-url/.test(l))).toHaveLength(1);
    expect(out.join('\n')).toContain('--demo to run the demo fleet');
    expect(out.some((l) => /^demo driver badge:/.test(l))).toBe(false);
  });

  it('--demo runs the embedded fleet and demo data with real boards on purpose, and prints no PIN that would not work', async () => {
    const { kioskPath } = await boardOnPty();
    const out: string[] = [];
    const core = await startDemo(tempDir('sync-real-demo-'), out, ['--protocol', 'kerong-cu16', '--serial-path', kioskPath, '--demo']);
    expect(core.ctx.kioskId()).toMatch(/^K-/);
    const driver = grab(out, /^demo driver badge: (\S+)$/);
    expect((await core.call('authBadge', { badge: driver! })) as unknown).toMatchObject({ ok: true, value: { role: 'driver' } });
    expect(out.join('\n')).not.toContain(DEMO_TECHNICIAN_PIN);
    expect(out).toContain('technician PIN: none on real boards until technicianPinHash is configured (npm run pin-hash)');
  });
});
