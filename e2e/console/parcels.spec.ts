import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startSmtpSink } from '../../tests/server/sinks';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Parcels in the console (issue 12, ADR code-reissue), Chromium against a real fleet server (`npm run server` with a
 * real SMTP sink): search, timeline, and "Send a new code", whose new code is read from the sink.
 */
const BARCODE = 'CONSOLE-0001';

let fleet: ConsoleFleet;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
test.beforeAll(async () => {
  smtp = await startSmtpSink();
  fleet = await startConsoleFleet({ args: ['--smtp-url', smtp.url] });
  // A carrier's parcel, deposited at the kiosk (the kiosk's own signed event): its first code goes out by e-mail.
  const s = await fetch(fleet.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode: BARCODE, size: 'S', kioskId: fleet.kioskId, recipient: { email: 'ada@example.com', phone: '+48600100200' } }),
  });
  if (!s.ok) throw new Error(`shipment: ${s.status} ${await s.text()}`);
  const { parcelId } = (await s.json()) as { parcelId: string };
  const p = `/v1/kiosks/${fleet.kioskId}/events`;
  const at = new Date().toISOString();
  const body = JSON.stringify({
    events: [{ id: randomUUID(), type: 'parcel.deposited', occurredAt: at, payload: { parcelId, barcode: BARCODE, compartmentId: 'A02', size: 'S', expiresAt: new Date(Date.now() + 3 * 86400_000).toISOString() } }],
  });
  const headers = { ...signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method: 'POST', path: p, body }), 'content-type': 'application/json' };
  const r = await fetch(fleet.url + p, { method: 'POST', headers, body });
  if (!r.ok) throw new Error(`events: ${r.status} ${await r.text()}`);
});
test.afterAll(async () => {
  await fleet?.stop();
  await smtp?.close();
});

const codes = () => smtp.mails.map((m) => /is ([0-9]{6})\./.exec(m.raw.replace(/=\r?\n/g, ''))?.[1]).filter((c): c is string => !!c);

test('an admin finds a parcel by phone, reads its timeline and sends a new code that arrives by e-mail', async ({ page }) => {
  await expect.poll(() => codes().length, { timeout: 10_000 }).toBe(1);
  const first = codes()[0]!;
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password);
  await page.getByRole('link', { name: 'Parcels' }).click();
  await expect(page.getByRole('heading', { name: 'Parcels', level: 1 })).toBeVisible();

  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill('+48 600 100 200');
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row').filter({ hasText: BARCODE });
  await expect(row).toContainText('deposited');
  await check(page, '10-parcels-search');

  await row.getByRole('button', { name: BARCODE }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · deposited` })).toBeVisible();
  const timeline = page.locator('ol.timeline');
  await expect(timeline).toContainText('created');
  await expect(timeline).toContainText('deposited');
  await expect(timeline).toContainText('code-sent');

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Send a new code' }).click();
  await expect(page.getByRole('status')).toContainText('The old code stops opening the locker as soon as the kiosk syncs (usually within seconds; later if it is offline).');
  await expect(timeline).toContainText('code-reissued');
  await expect(timeline).toContainText('parcel.resend by admin@example.com');
  await expect.poll(() => codes().length, { timeout: 10_000 }).toBe(2);
  expect(codes()[1]).not.toBe(first);
  // The console never shows a code.
  await expect(page.locator('#root')).not.toContainText(codes()[1]!);
  await check(page, '11-parcel-resent');
});
