import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { startLiveNetwork, type LiveNetwork } from '../console/live-network';
import { KioskProcess } from '../kiosk-process';
import { expectAccessible, PORTRAIT, shoot, typeCode } from './helpers';

/**
 * A reload (or a crashed renderer loaded again) in the middle of "Send or return a parcel" resumes the sender's visit
 * at its step (issues 10 and 13), end to end: drop-offs booked with a carrier's key on a real fleet server, e-mailed
 * to a real SMTP sink and pulled by host-mode kiosk processes over a real Mosquitto; the sender's screen is Chromium.
 * Before, a reload with the door open said only "Please close door A03" (no "Doesn't fit", never a receipt), and a
 * reload after the close showed the attract screen: the receipt, or the question "Is your parcel inside?", was gone.
 * Two kiosks on one fleet: the network's own (item sensors) and one whose boards have none (the sender's word counts).
 */
let net: LiveNetwork;
let sensorless: { kiosk: KioskProcess; kioskId: string };
let carrierKey = '';

test.describe.configure({ mode: 'serial' });
// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the pattern; this hook needs none
test.beforeAll(async ({}, info) => {
  test.skip(info.project.name !== 'host', 'kiosk processes beside their own fleet server: host project only');
  test.setTimeout(180_000);
  net = await startLiveNetwork();
  const { enrollmentToken } = await net.adminPost<{ enrollmentToken: string }>('/v1/enrollment-tokens', {});
  const kiosk = new KioskProcess(['--server-url', net.fleet.url, '--enrollment-token', enrollmentToken, '--serial.itemSensors=false']);
  await kiosk.start();
  sensorless = { kiosk, kioskId: await enrolledId(kiosk) };
  // The carrier's key, as an admin issues it in the console (its HTTP API, signed in).
  const signIn = await fetch(net.fleet.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(net.fleet.admin) });
  const cookie = /^([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!;
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const r = await fetch(net.fleet.url + '/console/api/carrier-keys', {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ carrier: 'Returns Co', kiosks: null }),
  });
  carrierKey = ((await r.json()) as { key: string }).key;
});
test.afterAll(async () => {
  await sensorless?.kiosk.stop();
  await net?.stop();
});

/** The kiosk's id once its first sync enrolled it (K-…), asked as its screen would. */
async function enrolledId(kiosk: KioskProcess): Promise<string> {
  let id = '';
  await expect
    .poll(async () => {
      const info = await kiosk.call<{ kioskId: string }>('kioskInfo');
      id = info.ok ? info.value.kioskId : '';
      return id.startsWith('K-');
    }, { timeout: 30_000, message: 'the sensorless kiosk enrolled' })
    .toBe(true);
  return id;
}

/** The drop-off as the kiosk's own store has it (its SQLite file, read-only): status, door, receipt. */
function stored(kiosk: KioskProcess, barcode: string): { status: string; compartment_id: string | null; receipt: string | null } | undefined {
  const db = new Database(path.join(kiosk.dataDir, 'kiosk.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT status, compartment_id, receipt FROM parcels WHERE barcode = ? ORDER BY rowid DESC LIMIT 1').get(barcode) as never;
  } finally {
    db.close();
  }
}

/** A carrier books a drop-off at `kioskId`; returns the e-mailed code once that kiosk has the drop-off in its store. */
async function book(kiosk: KioskProcess, kioskId: string, barcode: string, size: 'S' | 'M'): Promise<string> {
  const body = { barcode, size, kioskId, sender: { email: 'sam@example.com', name: 'Sam Sender' }, destination: { reference: `RMA-${barcode}` } };
  const r = await fetch(net.fleet.url + '/v1/dropoffs', { method: 'POST', headers: { authorization: `Bearer ${carrierKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status, await r.clone().text()).toBe(201);
  const codeIn = () => net.smtp.mails.map((m) => new RegExp(`drop off parcel ${barcode} at locker \\S+ is ([0-9]{6})`).exec(m.raw.replace(/=\r?\n/g, ''))?.[1]).find(Boolean);
  await expect.poll(codeIn, { timeout: 20_000, message: `the drop-off code for ${barcode} e-mailed` }).toBeTruthy();
  await expect.poll(() => stored(kiosk, barcode)?.status, { timeout: 20_000, message: `${barcode} in the kiosk's store` }).toBe('expected');
  return codeIn()!;
}

/** The sender at the kiosk's screen: "Send or return a parcel", the code; resolves with the door that opened. */
async function openWithCode(page: Page, kiosk: KioskProcess, code: string): Promise<string> {
  await page.setViewportSize(PORTRAIT);
  await page.goto(kiosk.url);
  await expect(page.getByTestId('kiosk-info')).toContainText('Doors working');
  await page.getByRole('heading', { name: 'Parcel locker' }).click();
  await page.getByRole('button', { name: 'Send or return a parcel' }).click();
  await typeCode(page, code);
  await page.getByRole('button', { name: 'Open a compartment' }).click();
  const panel = page.getByTestId('door-panel');
  await expect(panel).toBeVisible();
  const door = (await panel.getAttribute('data-door'))!;
  await expect(page.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  return door;
}

/** The simulated board plays the sender's hands (as a person at the door would). */
async function sim(kiosk: KioskProcess, compartmentId: string, action: 'put-item' | 'close'): Promise<void> {
  expect((await kiosk.call('simDoor', { compartmentId, action })).ok).toBe(true);
}

const ATTRACT = 'Touch the screen or scan the QR code from your message';

/**
 * Main's answer to the `sendResume` a (re)loading page asks, read off the page's WebSocket: a check of "nothing came
 * back" then waits on that answer having arrived, not on time. Call before the reload.
 */
async function loadAnswer(page: Page): Promise<{ ok: boolean; value?: { resume: unknown } }> {
  const ws = await page.waitForEvent('websocket');
  let id: number | null = null;
  ws.on('framesent', (f) => {
    const m = JSON.parse(String(f.payload)) as { id: number; call?: string };
    if (m.call === 'sendResume') id = m.id;
  });
  return new Promise((resolve) => {
    ws.on('framereceived', (f) => {
      const m = JSON.parse(String(f.payload)) as { id?: number; ok: boolean; value?: { resume: unknown } };
      if (id !== null && m.id === id) resolve(m);
    });
  });
}

test('a reload with the door open: "put your parcel in" with "Doesn\'t fit", which opens a larger door; the receipt then is the store\'s', async ({ page }, info) => {
  test.setTimeout(120_000);
  const code = await book(net.kiosk, net.kioskId, 'RESUME-1', 'M');
  const first = await openWithCode(page, net.kiosk, code);

  await page.reload();
  const panel = page.getByTestId('door-panel');
  await expect(page.locator('[data-screen="send-door"]')).toBeVisible();
  await expect(page.getByRole('heading', { name: `Door ${first} is open` })).toBeVisible();
  await expect(panel).toHaveAttribute('data-door', first);
  await expect(panel).toContainText('Put your parcel in and close the door.');
  await expect(page.locator('[data-screen="resume"]')).toHaveCount(0);
  await expectAccessible(page, 'send door open, resumed');
  await shoot(page, info, '76-send-door-open-resumed');

  await page.getByRole('button', { name: "Doesn't fit" }).click();
  await expect(panel).not.toHaveAttribute('data-door', first);
  const bigger = (await panel.getAttribute('data-door'))!;
  await expect(page.getByRole('heading', { name: `Door ${bigger} is open` })).toBeVisible();
  expect(stored(net.kiosk, 'RESUME-1')).toMatchObject({ status: 'expected', compartment_id: bigger });
  await sim(net.kiosk, first, 'close');
  await sim(net.kiosk, bigger, 'put-item');
  await sim(net.kiosk, bigger, 'close');
  await expect(page.getByRole('heading', { name: `Thank you! Your parcel is in door ${bigger}` })).toBeVisible();
  const receipt = stored(net.kiosk, 'RESUME-1')!;
  expect(receipt).toMatchObject({ status: 'deposited', compartment_id: bigger });
  await expect(page.getByTestId('receipt-ref')).toHaveText(receipt.receipt!);
  // The sender is done. (Walked away instead, the receipt stays on screen, reloaded or not, until the idle timeout.)
  await page.getByTestId('send-finish').click();
  await expect(page.getByText(ATTRACT)).toBeVisible();
});

test('a reload on the receipt shows it again with the reference the store has; once left with "Finish", a reload shows nothing of it', async ({ page }, info) => {
  test.setTimeout(120_000);
  const code = await book(net.kiosk, net.kioskId, 'RESUME-2', 'S');
  const door = await openWithCode(page, net.kiosk, code);
  await sim(net.kiosk, door, 'put-item');
  await sim(net.kiosk, door, 'close');
  const ref = page.getByTestId('receipt-ref');
  await expect(ref).toHaveText(/^R-[A-Z2-9]{6}$/);
  const shown = (await ref.textContent())!;

  await page.reload();
  await expect(page.locator('[data-screen="send-receipt"]')).toBeVisible();
  await expect(page.getByRole('heading', { name: `Thank you! Your parcel is in door ${door}` })).toBeVisible();
  await expect(ref).toHaveText(shown);
  expect(stored(net.kiosk, 'RESUME-2')).toMatchObject({ status: 'deposited', compartment_id: door, receipt: shown });
  await expectAccessible(page, 'send receipt, resumed');
  await shoot(page, info, '77-send-receipt-resumed');

  // "Finish": the visit is over. The next person's reload must not bring the sender's receipt back.
  await page.getByTestId('send-finish').click();
  await expect(page.getByText(ATTRACT)).toBeVisible();
  const answered = loadAnswer(page);
  await page.reload();
  expect(await answered).toEqual({ id: expect.any(Number), ok: true, value: { resume: null } });
  await expect(page.getByText(ATTRACT)).toBeVisible();
  await expect(page.getByTestId('receipt-ref')).toHaveCount(0);
});

test('no item sensors: a reload at "Is your parcel inside?" asks again; "Yes" gives the receipt the store has', async ({ page }, info) => {
  test.setTimeout(120_000);
  const { kiosk, kioskId } = sensorless;
  const code = await book(kiosk, kioskId, 'RESUME-3', 'S');
  const door = await openWithCode(page, kiosk, code);
  await expect(page.getByRole('button', { name: 'I put it in' })).toBeVisible();
  // A reload with the door open keeps "I put it in" and "Doesn't fit" on this board too.
  await page.reload();
  await expect(page.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'I put it in' })).toBeVisible();
  await expect(page.getByRole('button', { name: "Doesn't fit" })).toBeVisible();
  await shoot(page, info, '78-send-door-open-confirm-resumed');

  // The door shut before "I put it in": only the sender knows. Then the page reloads.
  await sim(kiosk, door, 'put-item');
  await sim(kiosk, door, 'close');
  const question = page.getByRole('heading', { name: `Door ${door} is closed. Is your parcel inside?` });
  await expect(question).toBeVisible();
  await page.reload();
  await expect(page.locator('[data-screen="send-asking"]')).toBeVisible();
  await expect(question).toBeVisible();
  expect(stored(kiosk, 'RESUME-3')).toMatchObject({ status: 'expected', compartment_id: door, receipt: null });
  await expectAccessible(page, 'send question, resumed');
  await shoot(page, info, '79-send-asking-resumed');

  await page.getByRole('button', { name: 'Yes, it is inside' }).click();
  await expect(page.getByRole('heading', { name: `Thank you! Your parcel is in door ${door}` })).toBeVisible();
  const after = stored(kiosk, 'RESUME-3')!;
  expect(after).toMatchObject({ status: 'deposited', compartment_id: door });
  await expect(page.getByTestId('receipt-ref')).toHaveText(after.receipt!);
});
