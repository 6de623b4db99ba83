import path from 'node:path';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startSmsGateway } from '../../tests/server/sinks';
import { expectAccessible } from '../flows/helpers';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';

/**
 * Issue 13, "More time", red team: the recipient's public page as a German recipient sees it on a small phone (360 px),
 * in Chromium against `npm run server --public-url self` with a real SMS gateway. The kiosk is enrolled in
 * Europe/Berlin, the parcel is German: the page opened from the German SMS is German (even though the browser asks for
 * English), states the deadline in Berlin time as the SMS does, and after "more time" the new deadline in Berlin time
 * too; nothing is blocked by its strict CSP, nothing overflows sideways, axe finds nothing serious (screenshots).
 */
let fleet: ConsoleFleet;
let sms: Awaited<ReturnType<typeof startSmsGateway>>;
test.beforeAll(async () => {
  sms = await startSmsGateway();
  fleet = await startConsoleFleet({ args: ['--sms-url', sms.url, '--public-url', 'self'] });
});
test.afterAll(async () => {
  await fleet?.stop();
  await sms?.close();
});

const SHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');
const PHONE = { width: 360, height: 740 };
const DAY = 86_400_000;

/** A deadline's clock time in Berlin and the zone's German short name, worked out here with Intl on its own. */
const berlin = (ms: number) => new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(ms);

test('a German recipient at a Berlin locker: the page is German, its deadlines Berlin time, at 360 px', async ({ browser }) => {
  const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(fleet.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect(r.status, `${p}: ${await r.clone().text()}`).toBeLessThan(300);
    return (await r.json()) as Record<string, string>;
  };
  const asAdmin = { authorization: `Bearer ${fleet.adminKey}` };
  const { enrollmentToken } = await post('/v1/enrollment-tokens', { timeZone: 'Europe/Berlin' }, asAdmin);
  const creds = await post('/v1/kiosks/enroll', { enrollmentToken, capacity: { S: 2, M: 1, L: 1, XL: 1 } });
  const kioskId = creds.kioskId!;
  const shipment = await post('/v1/shipments', { barcode: 'DE-E2E-0001', size: 'S', kioskId, locale: 'de', recipient: { phone: '+49151000002' } }, asAdmin);
  await expect.poll(() => sms.messages.length, { timeout: 15_000 }).toBe(1);
  const link = /(http:\/\/\S+\/r\/\S+)/.exec(sms.messages[0]!.text)![1]!;

  const expiresAt = Date.now() + 3 * DAY;
  const events = JSON.stringify({
    events: [{ id: crypto.randomUUID(), type: 'parcel.deposited', occurredAt: new Date().toISOString(), payload: { parcelId: shipment.parcelId, barcode: 'DE-E2E-0001', compartmentId: 'A01', size: 'S', expiresAt: new Date(expiresAt).toISOString() } }],
  });
  const p = `/v1/kiosks/${kioskId}/events`;
  const signed = signRequest({ kioskId, secret: Buffer.from(creds.kioskSecret!, 'base64'), method: 'POST', path: p, body: events });
  expect((await fetch(fleet.url + p, { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: events })).status).toBe(200);
  await expect.poll(() => sms.messages.length, { timeout: 15_000 }).toBe(2);
  const stored = Date.parse(((await (await fetch(`${fleet.url}/v1/parcels/DE-E2E-0001`, { headers: asAdmin })).json()) as { expiresAt: string }).expiresAt);
  expect(sms.messages[1]!.text).toContain(`Abholen bis `);
  expect(sms.messages[1]!.text).toContain(`, ${berlin(stored)}.`);

  // A phone whose browser asks for English: the page still speaks the SMS's language.
  const phone = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
  const tab = await phone.newPage();
  const blocked: string[] = [];
  tab.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && blocked.push(m.text())));
  await tab.goto(link);
  await expect(tab.locator('html')).toHaveAttribute('lang', 'de');
  await expect(tab.getByRole('heading', { name: 'Ihr Paket wartet auf Sie' })).toBeVisible();
  const deadline = tab.locator('main p').first().locator('time');
  await expect(deadline).toHaveText(new RegExp(`, ${berlin(stored)}$`));
  await expect(tab.getByText(/UTC/)).toHaveCount(0);
  await expectAccessible(tab, 'recipient page (de)');
  const overflow = () => tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(await overflow(), 'waiting page at 360 px').toBeLessThanOrEqual(0);
  await tab.screenshot({ path: path.join(SHOTS, 'recipient-page-de-waiting-360.png'), fullPage: true, animations: 'disabled' });

  await tab.getByLabel('Mehr Zeit (einmal möglich)').selectOption({ label: '2 Tage' });
  await tab.getByRole('button', { name: 'Abholfrist verlängern' }).click();
  const done = tab.getByRole('status');
  await expect(done).toHaveText(new RegExp(`^Erledigt: Ihr Paket wartet jetzt bis .+, ${berlin(stored + 2 * DAY)}\\.$`));
  await expect(tab.getByText('Sie haben Ihre einmalige Verlängerung für dieses Paket genutzt.')).toBeVisible();
  await expect(tab.getByText(/UTC/)).toHaveCount(0);
  await expectAccessible(tab, 'recipient page (de), extended');
  expect(await overflow(), 'extended page at 360 px').toBeLessThanOrEqual(0);
  await tab.screenshot({ path: path.join(SHOTS, 'recipient-page-de-extended-360.png'), fullPage: true, animations: 'disabled' });

  // Picked up: the link says so in German. A mangled link has no parcel: it follows the browser (here Polish).
  const picked = JSON.stringify({ events: [{ id: crypto.randomUUID(), type: 'parcel.picked_up', occurredAt: new Date().toISOString(), payload: { parcelId: shipment.parcelId, barcode: 'DE-E2E-0001', compartmentId: 'A01' } }] });
  const signedPick = signRequest({ kioskId, secret: Buffer.from(creds.kioskSecret!, 'base64'), method: 'POST', path: p, body: picked });
  expect((await fetch(fleet.url + p, { method: 'POST', headers: { ...signedPick, 'content-type': 'application/json' }, body: picked })).status).toBe(200);
  expect((await tab.goto(link))!.status()).toBe(410);
  await expect(tab.getByRole('heading', { name: 'Dieser Link funktioniert nicht mehr' })).toBeVisible();
  await tab.screenshot({ path: path.join(SHOTS, 'recipient-page-de-gone-360.png'), fullPage: true, animations: 'disabled' });
  const polish = await browser.newContext({ viewport: PHONE, locale: 'pl-PL' });
  const other = await polish.newPage();
  expect((await other.goto(link.slice(0, -4) + (link.endsWith('AAAA') ? 'BBBB' : 'AAAA')))!.status()).toBe(404);
  await expect(other.locator('html')).toHaveAttribute('lang', 'pl');
  await expect(other.getByRole('heading', { name: 'Nieprawidłowy link' })).toBeVisible();
  await other.screenshot({ path: path.join(SHOTS, 'recipient-page-pl-invalid-360.png'), fullPage: true, animations: 'disabled' });
  expect(blocked, 'the page needs nothing its CSP forbids').toEqual([]);
  await polish.close();
  await phone.close();
});
