import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Return to sender and replacing a kiosk PC in the console (issue 12, ADR return-reenroll), Chromium against a real
 * fleet server (`npm run server`): the parcel's "Return to sender" button, its confirmation, the notice and the
 * timeline; the kiosk page's "Create re-enrollment token" (admin) shown as a QR, and used by a new PC over HTTP.
 */
const BARCODE = 'RETURN-0001';

let fleet: ConsoleFleet;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
  const s = await fetch(fleet.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode: BARCODE, size: 'S', kioskId: fleet.kioskId, recipient: { email: 'rosa@example.com' } }),
  });
  if (!s.ok) throw new Error(`shipment: ${s.status} ${await s.text()}`);
  const { parcelId } = (await s.json()) as { parcelId: string };
  const p = `/v1/kiosks/${fleet.kioskId}/events`;
  const body = JSON.stringify({
    events: [
      {
        id: randomUUID(),
        type: 'parcel.deposited',
        occurredAt: new Date().toISOString(),
        payload: { parcelId, barcode: BARCODE, compartmentId: 'A03', size: 'S', expiresAt: new Date(Date.now() + 3 * 86400_000).toISOString() },
      },
    ],
  });
  const headers = { ...signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method: 'POST', path: p, body }), 'content-type': 'application/json' };
  const r = await fetch(fleet.url + p, { method: 'POST', headers, body });
  if (!r.ok) throw new Error(`events: ${r.status} ${await r.text()}`);
});
test.afterAll(async () => {
  await fleet?.stop();
});

test('an admin marks a deposited parcel for return to sender: confirmation, notice, timeline, no more actions', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password, '#/parcels');
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(BARCODE);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('row').filter({ hasText: BARCODE }).getByRole('button', { name: BARCODE }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · deposited` })).toBeVisible();

  // The first dialog is dismissed: nothing changes.
  const asked: string[] = [];
  page.once('dialog', (d) => void (asked.push(d.message()), d.dismiss()));
  await page.getByRole('button', { name: 'Return to sender' }).click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain('goes on the driver');
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · deposited` })).toBeVisible();

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Return to sender' }).click();
  await expect(page.getByRole('status')).toContainText('its code stops opening the locker as soon as the kiosk syncs');
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · expired` })).toBeVisible();
  await expect(page.getByTestId('return-mark')).toContainText('Marked for return to sender');
  const timeline = page.locator('ol.timeline');
  await expect(timeline).toContainText('marked-for-return');
  await expect(timeline).toContainText(`parcel.return by ${fleet.admin.email}`);
  // A parcel on its way back is not resent, extended or returned again.
  await expect(page.getByRole('button', { name: 'Return to sender' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send a new code' })).toHaveCount(0);
  await check(page, '20-parcel-returned');
});

test('an admin creates a re-enrollment token on the kiosk page; a new PC enrolls with it as the same kiosk', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password, `#/kiosks/${fleet.kioskId}`);
  await expect(page.getByRole('heading', { name: "Replace this kiosk's PC" })).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Create re-enrollment token' }).click();
  const card = page.getByRole('region', { name: `Re-enrollment token for ${fleet.kioskId}` });
  await expect(card.getByRole('img', { name: `QR code of the re-enrollment token for ${fleet.kioskId}` })).toBeVisible();
  const token = (await card.locator('code.secret').textContent())!.trim();
  expect(token).toMatch(/^lket_/);
  await check(page, '21-kiosk-replace-token');

  const r = await fetch(fleet.url + '/v1/kiosks/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentToken: token, capacity: { S: 4, M: 3, L: 2, XL: 1 }, layoutName: 'Station' }),
  });
  expect(r.status).toBe(200);
  const creds = (await r.json()) as { kioskId: string; kioskSecret: string };
  expect(creds.kioskId).toBe(fleet.kioskId);
  expect(creds.kioskSecret).not.toBe(fleet.kioskSecret);
  // The audit log names it.
  await page.goto(`${fleet.url}/console/#/audit`);
  await expect(page.getByRole('row').filter({ hasText: 'kiosk.replace' }).first()).toContainText(fleet.kioskId);
});
