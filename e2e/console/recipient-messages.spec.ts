import path from 'node:path';
import { expect, test } from '@playwright/test';
import { simpleParser } from 'mailparser';
import { signRequest } from '../../src-common/signing';
import { startSmsGateway, startSmtpSink } from '../../tests/server/sinks';
import { expectAccessible } from '../flows/helpers';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Issue 12, "Notifications people can read", as people see it, in Chromium against `npm run server` with a real SMTP
 * sink and SMS gateway: an admin creates an enrollment token for a kiosk in Europe/Warsaw from the console, the kiosk
 * page shows the zone, a Polish parcel is deposited there, and the recipient's e-mail, opened as a page, shows the
 * Polish text, the deadline in Warsaw time and the QR image (axe, screenshots); the SMS is one GSM-7 segment.
 */
let fleet: ConsoleFleet;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let sms: Awaited<ReturnType<typeof startSmsGateway>>;
test.beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startSmsGateway();
  fleet = await startConsoleFleet({ args: ['--smtp-url', smtp.url, '--sms-url', sms.url] });
});
test.afterAll(async () => {
  await fleet?.stop();
  await smtp?.close();
  await sms?.close();
});

const SHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');

test('a kiosk enrolled in Europe/Warsaw from the console; a Polish recipient’s e-mail shows Polish text, Warsaw time and the QR', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password);
  await page.getByRole('link', { name: 'Badges and enrollment' }).click();
  await page.getByLabel(/^Kiosk time zone/).fill('Europe/Warsaw');
  const made = page.waitForResponse((r) => r.url().endsWith('/console/api/enrollment-tokens') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Create enrollment token' }).click();
  const { enrollmentToken } = (await (await made).json()) as { enrollmentToken: string };

  const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(fleet.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect(r.status, `${p}: ${await r.clone().text()}`).toBeLessThan(300);
    return (await r.json()) as Record<string, string>;
  };
  const creds = await post('/v1/kiosks/enroll', { enrollmentToken, capacity: { S: 2, M: 1, L: 1, XL: 1 } });
  const kioskId = creds.kioskId!;
  await page.goto(`${fleet.url}/console/#/kiosks/${kioskId}`);
  await expect(page.getByTestId('kiosk-time-zone')).toHaveText('Europe/Warsaw');
  await check(page, '40-kiosk-time-zone');

  const shipment = await post(
    '/v1/shipments',
    { barcode: 'PL-E2E-0001', size: 'S', kioskId, locale: 'pl', recipient: { name: 'Agnieszka', email: 'agnieszka@example.pl', phone: '+48500100299' } },
    { authorization: `Bearer ${fleet.adminKey}` },
  );
  const events = JSON.stringify({
    events: [
      {
        id: crypto.randomUUID(),
        type: 'parcel.deposited',
        occurredAt: new Date().toISOString(),
        payload: { parcelId: shipment.parcelId, barcode: 'PL-E2E-0001', compartmentId: 'A01', size: 'S', expiresAt: new Date(Date.now() + 3 * 86400_000).toISOString() },
      },
    ],
  });
  const p = `/v1/kiosks/${kioskId}/events`;
  const signed = signRequest({ kioskId, secret: Buffer.from(creds.kioskSecret!, 'base64'), method: 'POST', path: p, body: events });
  expect((await fetch(fleet.url + p, { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: events })).status).toBe(200);
  await expect.poll(() => smtp.mails.length + sms.messages.length, { timeout: 15_000 }).toBe(2);

  // The deadline as a clock in Warsaw reads it (CET or CEST), worked out here with Intl on its own.
  const view = (await (await fetch(`${fleet.url}/v1/parcels/PL-E2E-0001`, { headers: { authorization: `Bearer ${fleet.adminKey}` } })).json()) as { expiresAt: string };
  const warsaw = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Warsaw', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.parse(view.expiresAt));
  const text = sms.messages[0]!.text;
  expect(text).toMatch(new RegExp(`^Twoj kod odbioru paczki PL-E2E-0001 w automacie \\S+: \\d{6}\\. Odbierz do [a-z]+\\., \\d+ [a-z]+, ${warsaw} CES?T\\. Kod kontrolny: \\d{4}\\.$`));
  expect(text.length).toBeLessThanOrEqual(160);

  // The e-mail as the recipient's mail program shows it: the HTML part, its cid: image inlined (mailparser does that).
  const mail = await simpleParser(smtp.mails[0]!.raw);
  expect(mail.subject).toBe(`Twoja paczka PL-E2E-0001 czeka w automacie ${kioskId}`);
  await page.goto('about:blank'); // off the console's origin: its CSP (no inline styles) is not the mail program's
  await page.setContent(String(mail.html));
  await expect(page.getByText(new RegExp(`^Odbierz ją do .*, ${warsaw} CES?T\\.$`))).toBeVisible();
  const qr = page.getByRole('img', { name: 'Kod QR, który otwiera Twoją skrytkę' });
  await expect.poll(() => qr.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(200);
  await expectAccessible(page, 'recipient e-mail (pl)', { aaa: true });
  for (const [label, size] of Object.entries({ phone: { width: 390, height: 844 }, desktop: VIEWPORTS.desktop })) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `e-mail on ${label}`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, `email-code-pl-${label}.png`), fullPage: true, animations: 'disabled' });
  }
});
