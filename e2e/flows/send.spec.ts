import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { startLiveNetwork, type LiveNetwork } from '../console/live-network';
import { expectAccessible, LANDSCAPE, PORTRAIT, scan, shoot, typeCode } from './helpers';

/**
 * "Send or return a parcel" end to end (issue 13, ADR drop-offs): a carrier books drop-offs with its API key on a real
 * fleet server (`npm run server`, e-mail to a real SMTP sink, push over a real Mosquitto); a host-mode kiosk process
 * enrolled with it gets each drop-off in its manifest; the sender types the e-mailed code on the kiosk's screen in
 * Chromium. The carrier's webhook endpoint is a real HTTP server here. The simulated board plays the person's hands.
 */
let net: LiveNetwork;
let hooks: { url: string; got: Array<{ type: string; parcel: Record<string, unknown> }>; close(): Promise<void> };
let carrierKey = '';

test.describe.configure({ mode: 'serial' });
// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the pattern; this hook needs none
test.beforeAll(async ({}, info) => {
  test.skip(info.project.name !== 'host', 'a kiosk process beside its own fleet server: host project only');
  test.setTimeout(120_000);
  net = await startLiveNetwork();
  hooks = await receiver();
  // The carrier's key and webhook, as an admin sets them up in the console (its HTTP API, signed in).
  const signIn = await fetch(net.fleet.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(net.fleet.admin) });
  const cookie = /^([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!;
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const asAdmin = (method: string, p: string, body: unknown) =>
    fetch(net.fleet.url + p, { method, headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const key = (await (await asAdmin('POST', '/console/api/carrier-keys', { carrier: 'Returns Co', kiosks: null })).json()) as { id: string; key: string };
  expect((await asAdmin('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: hooks.url })).status).toBe(200);
  carrierKey = key.key;
});
test.afterAll(async () => {
  await net?.stop();
  await hooks?.close();
});

async function receiver(): Promise<typeof hooks> {
  const got: typeof hooks.got = [];
  const server = http.createServer((rq, rs) => {
    let body = '';
    rq.on('data', (c: Buffer) => (body += c.toString('utf8')));
    rq.on('end', () => {
      got.push(JSON.parse(body));
      rs.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/locker-hooks`, got, close: () => new Promise((r) => server.close(() => r())) };
}

/** A carrier's request with its own key; the answer's status and JSON. */
async function carrier(method: string, p: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(net.fleet.url + p, {
    method,
    headers: { authorization: `Bearer ${carrierKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** Books a drop-off; returns the code the sender was e-mailed, once the kiosk has the drop-off in its store. */
async function book(barcode: string, size: 'S' | 'M' | 'L' | 'XL'): Promise<string> {
  const r = await carrier('POST', '/v1/dropoffs', { barcode, size, kioskId: net.kioskId, sender: { email: 'sam@example.com', name: 'Sam Sender' }, destination: { reference: `RMA-${barcode}` } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const codeIn = () =>
    net.smtp.mails.map((m) => new RegExp(`drop off parcel ${barcode} at locker \\S+ is ([0-9]{6})`).exec(m.raw.replace(/=\r?\n/g, ''))?.[1]).find(Boolean);
  await expect.poll(codeIn, { timeout: 20_000, message: `the drop-off code for ${barcode} e-mailed` }).toBeTruthy();
  // On the kiosk through its manifest (pulled on the server's MQTT ping).
  await expect.poll(() => kioskParcel(barcode)?.status, { timeout: 20_000, message: `${barcode} in the kiosk's store` }).toBe('expected');
  return codeIn()!;
}

function kioskParcel(barcode: string): { status: string; direction: string; compartment_id: string | null } | undefined {
  const db = new Database(path.join(net.kiosk.dataDir, 'kiosk.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT status, direction, compartment_id FROM parcels WHERE barcode = ? ORDER BY rowid DESC LIMIT 1').get(barcode) as never;
  } finally {
    db.close();
  }
}

/** The kiosk's own screen (host mode), portrait, on "Send or return a parcel". */
async function sendScreen(page: Page, home?: () => Promise<void>): Promise<void> {
  await page.setViewportSize(PORTRAIT);
  await page.goto(net.kiosk.url);
  await expect(page.getByTestId('kiosk-info')).toContainText('Doors working');
  // A touch on the attract screen leads home, where both customer flows are offered.
  await page.getByRole('heading', { name: 'Parcel locker' }).click();
  await expect(page.getByRole('button', { name: 'Send or return a parcel' })).toBeVisible();
  await home?.();
  await page.getByRole('button', { name: 'Send or return a parcel' }).click();
  await expect(page.getByTestId('send-title')).toHaveText('Enter your 6-digit drop-off code');
}

/** What the sender's hands do: the parcel goes in, the door shuts (the simulated board, as a person would). */
async function putInAndClose(door: string): Promise<void> {
  expect((await net.kiosk.call('simDoor', { compartmentId: door, action: 'put-item' })).ok).toBe(true);
  expect((await net.kiosk.call('simDoor', { compartmentId: door, action: 'close' })).ok).toBe(true);
}

test('send: the e-mailed code opens a compartment of the booked size; the parcel in, the door shut → a receipt on screen, by e-mail, and to the carrier', async ({ page }, info) => {
  test.setTimeout(120_000);
  const code = await book('SEND-E2E-1', 'S');
  await sendScreen(page, async () => {
    await expectAccessible(page, 'home with send');
    await shoot(page, info, '69-home-send');
  });
  await expectAccessible(page, 'send keypad');
  await shoot(page, info, '70-send-keypad');
  await typeCode(page, code);
  await page.getByRole('button', { name: 'Open a compartment' }).click();
  const panel = page.getByTestId('door-panel');
  await expect(panel).toBeVisible();
  const door = (await panel.getAttribute('data-door'))!;
  await expect(page.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  await expect(panel).toContainText('Put your parcel in and close the door.');
  expect(kioskParcel('SEND-E2E-1')).toMatchObject({ status: 'expected', compartment_id: door });
  await expectAccessible(page, 'send door open');
  await shoot(page, info, '71-send-door-open');

  await putInAndClose(door);
  await expect(page.getByRole('heading', { name: `Thank you! Your parcel is in door ${door}` })).toBeVisible();
  const receipt = (await page.getByTestId('receipt-ref').textContent())!.trim();
  expect(receipt).toMatch(/^R-[A-Z2-9]{6}$/);
  await expectAccessible(page, 'send receipt');
  await shoot(page, info, '72-send-receipt');

  // The server: deposited with that receipt; the sender's receipt e-mail; the carrier's `dropped_off`.
  await expect.poll(async () => (await carrier('GET', '/v1/parcels/SEND-E2E-1')).body.status, { timeout: 20_000 }).toBe('deposited');
  expect((await carrier('GET', '/v1/parcels/SEND-E2E-1')).body).toMatchObject({ direction: 'out', compartmentId: door, receipt, destinationRef: 'RMA-SEND-E2E-1' });
  await expect.poll(() => net.smtp.mails.some((m) => m.raw.replace(/=\r?\n/g, '').includes(`Your receipt: ${receipt}`)), { timeout: 20_000, message: 'the receipt e-mailed' }).toBe(true);
  await expect.poll(() => hooks.got.find((h) => h.type === 'parcel.dropped_off' && h.parcel.barcode === 'SEND-E2E-1')?.parcel.receipt, { timeout: 20_000 }).toBe(receipt);
  // The code is spent.
  await page.getByRole('button', { name: 'I have another code' }).click();
  await typeCode(page, code);
  await page.getByRole('button', { name: 'Open a compartment' }).click();
  await expect(page.getByTestId('error')).toContainText('That code is not valid');
});

test('doesn’t fit: the next size up opens and takes the parcel; large text keeps the screen whole', async ({ page }, info) => {
  test.setTimeout(120_000);
  const code = await book('SEND-E2E-2', 'M');
  await sendScreen(page);
  await page.getByRole('button', { name: 'Large text' }).click();
  await shoot(page, info, '73-send-keypad-large-text');
  await typeCode(page, code);
  await page.getByRole('button', { name: 'Open a compartment' }).click();
  const panel = page.getByTestId('door-panel');
  await expect(panel).toBeVisible();
  const first = (await panel.getAttribute('data-door'))!;
  await page.getByRole('button', { name: "Doesn't fit" }).click();
  await expect(panel).not.toHaveAttribute('data-door', first);
  const bigger = (await panel.getAttribute('data-door'))!;
  await expect(page.getByRole('heading', { name: `Door ${bigger} is open` })).toBeVisible();
  await shoot(page, info, '74-send-door-open-large-text');
  // The first door, shut by the sender with nothing in it, is free again; the parcel goes into the larger one.
  expect((await net.kiosk.call('simDoor', { compartmentId: first, action: 'close' })).ok).toBe(true);
  await putInAndClose(bigger);
  await expect(page.getByRole('heading', { name: `Thank you! Your parcel is in door ${bigger}` })).toBeVisible();
  await expect.poll(async () => (await carrier('GET', '/v1/parcels/SEND-E2E-2')).body, { timeout: 20_000 }).toMatchObject({ status: 'deposited', compartmentId: bigger, size: 'L' });
  // The sender finishes. Left on screen instead, the receipt would still be there for the driver's page below: a page
  // loaded within a minute of the close resumes it (send-resume.spec.ts), as the screen would still be showing it.
  await page.getByTestId('send-finish').click();
  await expect(page.getByRole('heading', { name: 'Parcel locker' })).toBeVisible();
});

test('collected by a driver: the drop-offs are on the collection list; collecting one tells the carrier', async ({ page }, info) => {
  test.setTimeout(120_000);
  const driver = await net.adminPost<{ token: string }>('/v1/badges', { role: 'driver', name: 'Dana Driver', ttlHours: 24 });
  await page.setViewportSize(PORTRAIT);
  await page.goto(net.kiosk.url);
  await expect(page.getByTestId('kiosk-info')).toContainText('Doors working');
  await scan(page, driver.token);
  await page.getByRole('button', { name: 'Collect expired parcels' }).click();
  const row = page.getByRole('listitem').filter({ hasText: 'SEND-E2E-1' });
  await expect(row).toContainText('Drop-off to take away');
  await expect(page.getByRole('listitem').filter({ hasText: 'SEND-E2E-2' })).toBeVisible();
  await expectAccessible(page, 'collection list with drop-offs');
  await shoot(page, info, '75-collection-dropoffs');
  const door = kioskParcel('SEND-E2E-1')!.compartment_id!;
  await row.getByRole('button', { name: `Open ${door}` }).click();
  await expect(page.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  expect((await net.kiosk.call('simDoor', { compartmentId: door, action: 'remove-item' })).ok).toBe(true);
  expect((await net.kiosk.call('simDoor', { compartmentId: door, action: 'close' })).ok).toBe(true);
  await expect(page.getByRole('listitem').filter({ hasText: 'SEND-E2E-1' })).toHaveCount(0);
  await expect.poll(() => hooks.got.find((h) => h.type === 'parcel.collected' && h.parcel.barcode === 'SEND-E2E-1')?.parcel.status, { timeout: 20_000, message: 'the carrier told' }).toBe('collected');
  expect((await carrier('GET', '/v1/parcels/SEND-E2E-1')).body.status).toBe('collected');
});

test('an unused drop-off expires: its reservation is freed, the carrier is told, and its code no longer opens anything', async ({ page }) => {
  test.setTimeout(120_000);
  // The kiosk has 3 XL compartments: three XL drop-offs hold them all, a fourth is refused.
  const codes = [await book('SEND-XL-1', 'XL'), await book('SEND-XL-2', 'XL'), await book('SEND-XL-3', 'XL')];
  const fourth = { barcode: 'SEND-XL-4', size: 'XL', kioskId: net.kioskId, sender: { email: 'sam@example.com' }, destination: { reference: 'RMA-4' } };
  expect((await carrier('POST', '/v1/dropoffs', fourth)).body).toMatchObject({ error: { code: 'NO_CAPACITY' } });
  // Days pass: instead of waiting a week, the stored deadline of SEND-XL-1 is moved into the past, then the sweep runs.
  const fleetDb = new Database(path.join(net.fleet.dataDir, 'fleet.sqlite'), { fileMustExist: true });
  try {
    fleetDb.pragma('busy_timeout = 5000');
    expect(fleetDb.prepare("UPDATE parcels SET dropoff_deadline = ? WHERE barcode = 'SEND-XL-1' AND status = 'expected'").run(Date.now() - 1000).changes).toBe(1);
  } finally {
    fleetDb.close();
  }
  expect(await net.adminPost('/v1/admin/sweep', {})).toMatchObject({ dropoffsExpired: 1 });
  expect((await carrier('GET', '/v1/parcels/SEND-XL-1')).body).toMatchObject({ status: 'cancelled', cancelReason: 'dropoff_expired' });
  await expect.poll(() => hooks.got.find((h) => h.type === 'parcel.cancelled' && h.parcel.barcode === 'SEND-XL-1')?.parcel.cancelReason, { timeout: 20_000 }).toBe('dropoff_expired');
  // Its XL compartment is bookable again.
  expect((await carrier('POST', '/v1/dropoffs', fourth)).status).toBe(201);
  // The kiosk learnt it (manifest cancellation): the sender's code opens nothing.
  await expect.poll(() => kioskParcel('SEND-XL-1')?.status, { timeout: 20_000, message: 'the cancellation at the kiosk' }).toBe('cancelled');
  await sendScreen(page);
  await page.setViewportSize(LANDSCAPE);
  await typeCode(page, codes[0]!);
  await page.getByRole('button', { name: 'Open a compartment' }).click();
  await expect(page.getByTestId('error')).toContainText('That code is not valid');
});
