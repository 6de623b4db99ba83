import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Analytics in Chromium against a real fleet server (issue 12, ADR analytics-notifications): a kiosk reports deposits,
 * pickups, an expiry and wrong codes over the signed sync API; the page draws the uPlot charts under the console's
 * strict CSP (no violation) and shows each chart's numbers as a table.
 */
const DAY = 86_400_000;
const H = 3_600_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let fleet: ConsoleFleet;
let kioskId: string;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
  kioskId = await kioskWithHistory(fleet);
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** Enrolls a kiosk; three parcels two days ago: one picked up after 2 h, one after 30 h, one expires; 7 wrong codes. */
async function kioskWithHistory(f: ConsoleFleet): Promise<string> {
  const post = async (p: string, body: unknown, headers: Record<string, string>) => {
    const r = await fetch(f.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, string>>;
  };
  const admin = { authorization: `Bearer ${f.adminKey}` };
  const { enrollmentToken } = await post('/v1/enrollment-tokens', {}, admin);
  const creds = await post('/v1/kiosks/enroll', { enrollmentToken, capacity: { S: 4, M: 2, L: 0, XL: 0 }, layoutName: 'Station' }, {});
  const id = creds.kioskId!;
  const ship = async (barcode: string, size: string) => (await post('/v1/shipments', { barcode, size, kioskId: id, recipient: { email: 'r@example.com' } }, admin)).parcelId!;
  const t = today - 2 * DAY;
  const parcels = [
    { barcode: 'AN-1001', size: 'S', in: t + 8 * H, out: ['parcel.picked_up', t + 10 * H] as const },
    { barcode: 'AN-1002', size: 'S', in: t + 9 * H, out: ['parcel.picked_up', t + 39 * H] as const },
    { barcode: 'AN-1003', size: 'M', in: t + 10 * H, out: ['parcel.expired', t + DAY + 12 * H] as const },
  ];
  const ev = (type: string, payload: unknown, at: number) => ({ id: randomUUID(), type, occurredAt: new Date(at).toISOString(), payload });
  const events = [];
  for (const p of parcels) {
    const parcelId = await ship(p.barcode, p.size);
    events.push(ev('parcel.deposited', { parcelId, barcode: p.barcode, compartmentId: 'A01', size: p.size, expiresAt: new Date(p.in + 3 * DAY).toISOString() }, p.in));
    events.push(ev(p.out[0], { parcelId, barcode: p.barcode, compartmentId: 'A01' }, p.out[1]));
  }
  events.push(ev('codes.failed', { windowHours: 24, keypadFailures: 6, qrFailures: 1, mode: 'hardened', reason: 'hardened' }, today - DAY + 2 * H));
  const p = `/v1/kiosks/${id}/events`;
  const body = JSON.stringify({ events });
  const headers = signRequest({ kioskId: id, secret: Buffer.from(creds.kioskSecret!, 'base64'), method: 'POST', path: p, body });
  await post(p, { events }, headers);
  return id;
}

test('analytics: the charts draw under the strict CSP and each chart’s numbers are in a table', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password, '#/analytics');
  await expect(page.getByRole('heading', { name: 'Analytics', level: 1 })).toBeVisible();
  await page.getByLabel('Kiosk', { exact: true }).selectOption(kioskId);
  await page.getByLabel('Range', { exact: true }).selectOption('7');

  // Four sections; three uPlot charts, each a canvas with its size set (drawn, not an empty box).
  await expect(page.locator('.chart canvas')).toHaveCount(3);
  for (const c of await page.locator('.chart canvas').all()) expect(await c.evaluate((el: HTMLCanvasElement) => el.width)).toBeGreaterThan(100);
  await expect(page.locator('.uplot .u-legend').first()).toContainText('Size S');

  const util = page.getByRole('table', { name: 'Utilisation per size at each day’s end' });
  await expect(util.getByRole('row', { name: new RegExp(`^${day(today - 2 * DAY)}`) })).toContainText('1 · 25 %');
  await expect(util.getByRole('row', { name: new RegExp(`^${day(today - 2 * DAY)}`) })).toContainText('1 · 50 %');
  const dwell = page.getByRole('table', { name: 'Picked-up parcels by dwell time' });
  await expect(dwell.getByRole('row', { name: /^< 4 h/ })).toContainText('1');
  await expect(dwell.getByRole('row', { name: /^1–2 d/ })).toContainText('1');
  const expiry = page.getByRole('table', { name: 'Pickups and expiries per day' });
  await expect(expiry.getByRole('row', { name: new RegExp(`^${day(today - DAY)}`) })).toHaveText(`${day(today - DAY)}1150 %`);
  const failed = page.getByRole('table', { name: 'Failed codes per kiosk, highest rate first' });
  await expect(failed.getByRole('row', { name: new RegExp(kioskId) })).toContainText('7');
  await expect(failed.getByRole('row', { name: new RegExp(kioskId) })).toContainText('78 %');

  await check(page, 'analytics');
  await page.getByLabel('Kiosk', { exact: true }).selectOption('');
  await expect(page.locator('.chart canvas')).toHaveCount(3);
  expect(violations, violations.join('\n')).toEqual([]);
});
