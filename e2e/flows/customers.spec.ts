import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmsGateway } from '../../tests/server/sinks';
import { startHeldProxy, type HeldProxy } from '../../tests/sync/held-proxy';
import { KioskProcess } from '../kiosk-process';
import { PORTRAIT, scan, typeCode } from './helpers';

/**
 * Issue 13 (ADR customer-self-service) in Debian's Chromium against a host-mode kiosk enrolled with a real fleet server
 * (`npm run server -- --public-url self`, an SMS gateway on loopback): the recipient extends by the link and the kiosk's
 * deadline follows; "I lost my code" at the kiosk re-sends a new code by SMS and the old one is refused; two parcels for
 * one recipient are picked up in one visit. Host project only: the kiosk here is a host-mode process of its own.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHOTS = path.join(ROOT, 'docs', 'screenshots');

let fleet: { url: string; adminKey: string; proc: ChildProcess; dir: string };
let sms: Awaited<ReturnType<typeof startSmsGateway>>;
/** The kiosk reaches the fleet through this proxy; a test sets `holding` to play a link too slow for one request. */
let proxy: HeldProxy;
let holding: RegExp | null = null;
let kiosk: KioskProcess;
let kioskId: string;
let driver: string;
let technician: string;

test.describe.configure({ mode: 'serial' });

async function admin<T = Record<string, unknown>>(p: string, body: unknown): Promise<T> {
  const r = await fetch(fleet.url + p, { method: 'POST', headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

async function call<T = Record<string, unknown>>(name: string, input: unknown = {}): Promise<T> {
  const r = await kiosk.call<T>(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

/** The driver's part, through the kiosk API and the simulated board (the spec is about the customer). */
async function deliver(barcode: string): Promise<string> {
  const s = await call<{ sessionId: string }>('authBadge', { badge: driver });
  const d = await call<{ where: { compartmentId: string } }>('dropoffScan', { sessionId: s.sessionId, barcode });
  await call('simDoor', { compartmentId: d.where.compartmentId, action: 'put-item' });
  await call('simDoor', { compartmentId: d.where.compartmentId, action: 'close' });
  await call('authEnd', { sessionId: s.sessionId });
  return d.where.compartmentId;
}

const textsTo = (phone: string) => sms.messages.filter((m) => m.to === phone).map((m) => m.text);
async function nextText(phone: string, n: number): Promise<string> {
  await expect.poll(() => textsTo(phone).length, { timeout: 30_000, message: `SMS ${n} to ${phone}` }).toBeGreaterThanOrEqual(n);
  return textsTo(phone)[n - 1]!;
}
/** The code in a code SMS (the long or the short form, first or re-issued). */
const codeIn = (text: string) => /(?:is|[Cc]ode) ([0-9]{6})\b/.exec(text)![1]!;
const isCode = (text: string) => !text.includes('/r/') && /(?:is|[Cc]ode) [0-9]{6}\b/.test(text);
const linkIn = (text: string) => /(http:\/\/\S+\/r\/r1\.\S+)/.exec(text)![1]!;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

/** The kiosk's start screen → home ("What would you like to do?"). */
async function home(page: Page): Promise<void> {
  await page.goto(kiosk.url);
  await page.setViewportSize(PORTRAIT);
  await page.getByText('Touch the screen or scan the QR code from your message').click();
  await expect(page.getByRole('heading', { name: 'What would you like to do?' })).toBeVisible();
}

test.beforeAll(async ({ browserName: _browser }, info) => {
  test.skip(info.project.name !== 'host', 'the kiosk is a host-mode process of its own');
  sms = await startSmsGateway();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'customers-e2e-'));
  const proc = spawn('npm', ['run', '-s', 'server', '--', '--port', '0', '--data-dir', dir, '--sms-url', sms.url, '--public-url', 'self'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /fleet server ready: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.stderr!.on('data', (c: Buffer) => void (err += c.toString()));
    proc.once('exit', (code) => reject(new Error(`fleet server exited ${code}: ${err.slice(-500)}`)));
  });
  fleet = { url, adminKey: fs.readFileSync(path.join(dir, 'keys', 'admin.key'), 'utf8').trim(), proc, dir };
  const { enrollmentToken } = await admin<{ enrollmentToken: string }>('/v1/enrollment-tokens', {});
  driver = (await admin<{ token: string }>('/v1/badges', { role: 'driver', name: 'Dana Driver', ttlHours: 24 })).token;
  technician = (await admin<{ token: string }>('/v1/badges', { role: 'technician', name: 'Tom Tech', ttlHours: 24 })).token;
  proxy = await startHeldProxy(Number(new URL(url).port), (bytes) => holding?.test(bytes) ?? false);
  kiosk = new KioskProcess(['--server-url', proxy.url, '--enrollment-token', enrollmentToken]);
  await kiosk.start();
  await expect.poll(async () => (await call<{ kioskId: string }>('kioskInfo')).kioskId, { timeout: 30_000 }).toMatch(/^K-/);
  kioskId = (await call<{ kioskId: string }>('kioskInfo')).kioskId;
});

test.afterAll(async () => {
  await kiosk?.stop();
  if (fleet && fleet.proc.exitCode === null) {
    const gone = new Promise((r) => fleet.proc.once('exit', r));
    process.kill(-fleet.proc.pid!, 'SIGTERM');
    await gone;
  }
  if (fleet) fs.rmSync(fleet.dir, { recursive: true, force: true });
  await sms?.close();
  await proxy?.close();
});

test('more time: the recipient extends by the link once, and the kiosk’s deadline follows', async ({ page }) => {
  const phone = '+48500100401';
  await admin('/v1/shipments', { barcode: 'E2E-MORE-01', size: 'S', kioskId, recipient: { phone } });
  const link = linkIn(await nextText(phone, 1)); // "on its way", with the link
  const door = await deliver('E2E-MORE-01');
  await nextText(phone, 2); // the code

  await page.setViewportSize({ width: 390, height: 844 }); // a phone
  const before = await page.goto(link);
  expect(before!.headers()['content-security-policy']).toContain("default-src 'none'");
  await expect(page.getByRole('heading', { name: 'Your parcel is waiting' })).toBeVisible();
  await shot(page, 'recipient-page-waiting-phone');
  await page.getByLabel('More time (once)').selectOption('2');
  await page.getByRole('button', { name: 'Give me more time' }).click();
  const done = page.getByRole('status');
  await expect(done).toContainText('Done: your parcel now waits until');
  await expect(page.getByText('You have used your one extension for this parcel.')).toBeVisible();
  await shot(page, 'recipient-page-extended-phone');
  // The page shows the locker's local time in the parcel's language; the exact instant is in <time datetime>.
  const untilMs = Date.parse((await done.locator('time').getAttribute('datetime'))!);

  // The kiosk learns it from its manifest (no broker here: its next poll); the technician's view shows the new date.
  const s = await call<{ sessionId: string }>('authBadge', { badge: technician });
  await expect
    .poll(async () => {
      await call('maintenanceSync', { sessionId: s.sessionId });
      const o = await call<{ compartments: Array<{ id: string; parcelExpiresAt?: string | null }> }>('maintenanceOverview', { sessionId: s.sessionId });
      return Math.floor(Date.parse(o.compartments.find((c) => c.id === door)!.parcelExpiresAt ?? '') / 60_000);
    }, { timeout: 30_000 })
    .toBe(Math.floor(untilMs / 60_000));
  await call('authEnd', { sessionId: s.sessionId });
  await home(page);
  await scan(page, technician);
  await expect(page.getByRole('heading', { name: 'Maintenance' })).toBeVisible();
  await page.getByTestId('tech-grid').locator(`[data-compartment="${door}"]`).click();
  const local = new Intl.DateTimeFormat('en', { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }).format(untilMs).replace(/\s/g, '\u00a0');
  await expect(page.getByTestId('parcel-expires')).toHaveText(`Waits for pickup until ${local}`);
  await shot(page, 'kiosk-tech-deadline-portrait');
});

test('I lost my code: the same answer on the screen, a new code by SMS, the old one refused, the new one opens', async ({ page }) => {
  const phone = '+48500100402';
  await admin('/v1/shipments', { barcode: 'E2E-LOST-01', size: 'S', kioskId, recipient: { phone } });
  await nextText(phone, 1);
  await deliver('E2E-LOST-01');
  const old = codeIn(await nextText(phone, 2));

  await home(page);
  await page.getByRole('button', { name: 'I lost my code' }).click();
  await expect(page.getByRole('heading', { name: 'Enter the phone number your parcel was sent to' })).toBeVisible();
  await typeCode(page, phone.slice(1));
  await expect(page.getByTestId('phone-readout')).toHaveText(phone);
  await shot(page, 'kiosk-lost-code-number-portrait');
  await page.getByRole('button', { name: 'Send me a new code' }).click();
  const answer = page.getByTestId('lost-code-answer');
  await expect(answer).toHaveText('Request received');
  await expect(page.getByText('If a parcel for this number is waiting at this locker, a new code is on its way')).toBeVisible();
  await shot(page, 'kiosk-lost-code-sent-portrait');
  const fresh = codeIn(await nextText(phone, 3));
  expect(fresh).not.toBe(old);

  // A number with nothing here gets exactly the same screen, and no text.
  await page.getByRole('button', { name: 'Finish' }).click();
  await home(page);
  await page.getByRole('button', { name: 'I lost my code' }).click();
  await typeCode(page, '48500100499');
  await page.getByRole('button', { name: 'Send me a new code' }).click();
  await expect(answer).toHaveText('Request received');
  expect(textsTo('+48500100499')).toHaveLength(0);
  await page.getByRole('button', { name: 'Finish' }).click();

  // The old code is refused once the kiosk has the new digests (the request pulled the manifest); the new one opens.
  await home(page);
  await page.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(page, old);
  await page.getByRole('button', { name: 'Open my door' }).click();
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'CODE_INVALID');
  await typeCode(page, fresh);
  await page.getByRole('button', { name: 'Open my door' }).click();
  const panel = page.getByTestId('door-panel');
  await expect(panel).toBeVisible();
  const door = (await panel.getAttribute('data-door'))!;
  await call('simDoor', { compartmentId: door, action: 'remove-item' });
  await call('simDoor', { compartmentId: door, action: 'close' });
  await expect(page.getByRole('heading', { name: `Thank you! Door ${door} is closed` })).toBeVisible();
  await page.getByRole('button', { name: 'Finish' }).click();
});

test('I lost my code, no answer in time: the screen says a code may still come, offers no retry, and the code comes', async ({ page }) => {
  const phone = '+48500100404';
  await admin('/v1/shipments', { barcode: 'E2E-LATE-01', size: 'S', kioskId, recipient: { phone } });
  await nextText(phone, 1);
  await deliver('E2E-LATE-01');
  await nextText(phone, 2);

  // The question is answered; the confirmation that re-issues the code is held until the kiosk gives up (10 s).
  holding = /^POST \/v1\/kiosks\/[^/ ]+\/lost-code\/confirm /;
  try {
    await home(page);
    await page.getByRole('button', { name: 'I lost my code' }).click();
    await typeCode(page, phone.slice(1));
    await page.getByRole('button', { name: 'Send me a new code' }).click();
    const answer = page.getByTestId('lost-code-answer');
    await expect(answer).toHaveText('No answer yet', { timeout: 30_000 });
    await expect(page.getByText('a new code may still arrive by text message')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    await shot(page, 'kiosk-lost-code-unconfirmed-portrait');
  } finally {
    holding = null;
  }
  // The held confirmation reaches the server once the kiosk hung up: the promise on the screen holds.
  expect(isCode(await nextText(phone, 3))).toBe(true);
  await page.getByRole('button', { name: 'Finish' }).click();
});

test('all my parcels: one code, the kiosk says one more waits, and opens it after the first door closes', async ({ page }) => {
  const phone = '+48500100403';
  await admin('/v1/shipments', { barcode: 'E2E-BOTH-01', size: 'S', kioskId, recipient: { phone, name: 'Ada' } });
  await admin('/v1/shipments', { barcode: 'E2E-BOTH-02', size: 'M', kioskId, recipient: { phone, name: 'Ada' } });
  await admin('/v1/shipments', { barcode: 'E2E-OTHER-1', size: 'S', kioskId, recipient: { phone: '+48500100404' } });
  const first = await deliver('E2E-BOTH-01');
  const second = await deliver('E2E-BOTH-02');
  const stranger = await deliver('E2E-OTHER-1');
  await expect.poll(() => textsTo(phone).filter(isCode).length, { timeout: 30_000 }).toBe(2);
  const code = codeIn(textsTo(phone).filter(isCode).find((t) => t.includes('E2E-BOTH-01'))!);

  await home(page);
  await page.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(page, code);
  await page.getByRole('button', { name: 'Open my door' }).click();
  await expect(page.getByTestId('door-panel')).toHaveAttribute('data-door', first);
  await expect(page.getByTestId('more-waiting')).toHaveText(/1 more parcel waits for you here/);
  await shot(page, 'kiosk-more-waiting-door-portrait');
  await call('simDoor', { compartmentId: first, action: 'remove-item' });
  await call('simDoor', { compartmentId: first, action: 'close' });
  await expect(page.getByRole('heading', { name: `Thank you! Door ${first} is closed` })).toBeVisible();
  await shot(page, 'kiosk-more-waiting-closed-portrait');
  await page.getByTestId('open-next').click();
  await expect(page.getByTestId('door-panel')).toHaveAttribute('data-door', second);
  await expect(page.getByTestId('more-waiting')).toHaveCount(0);
  await call('simDoor', { compartmentId: second, action: 'remove-item' });
  await call('simDoor', { compartmentId: second, action: 'close' });
  await expect(page.getByRole('heading', { name: `Thank you! Door ${second} is closed` })).toBeVisible();
  await expect(page.getByTestId('open-next')).toHaveCount(0);
  // Nothing on any of these screens named the other recipient's door.
  expect(await page.content()).not.toContain(`>${stranger}<`);
});
