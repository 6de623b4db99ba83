import { expect, test } from '@playwright/test';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, submitSignIn } from './helpers';

/**
 * axe on EVERY console page (issue 12: "axe on every page"), found the way an admin finds them: the navigation bar.
 * A page someone adds later is in the bar, so it is checked here without anyone remembering to; the pages reached from
 * another page (a kiosk, a parcel) and the sign-in page are visited by name. `check` = axe (WCAG 2.1 AA, no serious or
 * critical violation) plus nothing wider than the window at desktop and tablet sizes, with a screenshot of each.
 */
const BARCODE = 'EVERY-0001';

let fleet: ConsoleFleet;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
  const r = await fetch(fleet.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode: BARCODE, size: 'S', kioskId: fleet.kioskId, recipient: { email: 'ada@example.com' } }),
  });
  if (!r.ok) throw new Error(`shipment: ${r.status} ${await r.text()}`);
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** The pages an admin must at least find in the bar (more is fine: a new page is checked too). */
const KNOWN = ['Kiosks', 'Parcels', 'Problems and alarms', 'Analytics', 'Badges and enrollment', 'Operators', 'Carrier API keys', 'Alerts and webhooks', 'Audit log'];

test('every page in the console passes axe at desktop and tablet size', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.goto(`${fleet.url}/console/`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await check(page, 'every-sign-in');
  await submitSignIn(page, fleet.admin.email, fleet.admin.password);

  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link')).not.toHaveCount(0);
  const names = (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
  expect(names).toEqual(expect.arrayContaining(KNOWN));

  const checked: string[] = [];
  for (const name of names) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { name, level: 1, exact: true })).toBeVisible();
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    await check(page, `every-${slug(name)}`);
    checked.push(name);
  }
  expect(checked).toEqual(names);

  // Reached from a page rather than the bar: one kiosk, one parcel.
  await nav.getByRole('link', { name: 'Kiosks', exact: true }).click();
  await page.getByRole('link', { name: fleet.kioskId }).click();
  await expect(page.getByRole('heading', { name: `Kiosk ${fleet.kioskId}` })).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  await check(page, 'every-kiosk');

  await nav.getByRole('link', { name: 'Parcels', exact: true }).click();
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(BARCODE);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('row').filter({ hasText: BARCODE }).getByRole('button', { name: BARCODE }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · expected` })).toBeVisible();
  await check(page, 'every-parcel');
});

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
