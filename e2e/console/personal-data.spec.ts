import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Erasure on request in the console (issue 14, ADR personal-data), Chromium against a real fleet server (`npm run
 * server`): an admin enters a recipient's e-mail on the Parcels page, confirms, and sees one finished parcel erased now
 * and one still waiting listed; the parcel's page then shows no recipient, and the audit log has the entry.
 */
const EMAIL = 'nadia@example.com';
let fleet: ConsoleFleet;

async function kioskEvents(events: Array<{ type: string; payload: Record<string, unknown> }>): Promise<void> {
  const p = `/v1/kiosks/${fleet.kioskId}/events`;
  const body = JSON.stringify({ events: events.map((e) => ({ id: randomUUID(), occurredAt: new Date().toISOString(), ...e })) });
  const headers = { ...signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method: 'POST', path: p, body }), 'content-type': 'application/json' };
  const r = await fetch(fleet.url + p, { method: 'POST', headers, body });
  if (!r.ok) throw new Error(`events: ${r.status} ${await r.text()}`);
}
async function ship(barcode: string, compartmentId: string): Promise<string> {
  const s = await fetch(fleet.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode, size: 'S', kioskId: fleet.kioskId, recipient: { name: 'Nadia', email: EMAIL } }),
  });
  if (!s.ok) throw new Error(`shipment: ${s.status} ${await s.text()}`);
  const { parcelId } = (await s.json()) as { parcelId: string };
  const expiresAt = new Date(Date.now() + 3 * 86400_000).toISOString();
  await kioskEvents([{ type: 'parcel.deposited', payload: { parcelId, barcode, compartmentId, size: 'S', expiresAt } }]);
  return parcelId;
}

test.beforeAll(async () => {
  fleet = await startConsoleFleet();
  const done = await ship('ERASE-DONE-1', 'A05');
  await ship('ERASE-WAIT-1', 'A06');
  await kioskEvents([{ type: 'parcel.picked_up', payload: { parcelId: done, barcode: 'ERASE-DONE-1', compartmentId: 'A05' } }]);
});
test.afterAll(async () => {
  await fleet?.stop();
});

test("an admin erases a recipient's personal data: finished parcels now, the waiting one listed; audited", async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password, '#/parcels');
  await expect(page.getByRole('heading', { name: "Erase a recipient's personal data" })).toBeVisible();
  await page.getByLabel('E-mail or phone').fill(EMAIL);
  const asked: string[] = [];
  page.once('dialog', (d) => void (asked.push(d.message()), d.accept()));
  await page.getByRole('button', { name: 'Erase' }).click();
  const result = page.getByTestId('erasure-result');
  await expect(result).toContainText('Erased now: 1 finished parcel');
  await expect(result).toContainText('ERASE-WAIT-1 (deposited)');
  expect(asked[0]).toContain('cannot be undone');
  await check(page, '62-personal-data-erased');

  // Search by the address finds only the parcel still waiting; the finished one has no recipient left.
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(EMAIL);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'ERASE-WAIT-1' })).toHaveCount(1);
  await expect(page.getByRole('row').filter({ hasText: 'ERASE-DONE-1' })).toHaveCount(0);
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill('ERASE-DONE-1');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'ERASE-DONE-1' })).not.toContainText(EMAIL);

  await page.goto(`${fleet.url}/console/#/audit`);
  const row = page.getByRole('row').filter({ hasText: 'personal.erase' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(fleet.admin.email);
  await expect(page.locator('body')).not.toContainText(EMAIL);
});
