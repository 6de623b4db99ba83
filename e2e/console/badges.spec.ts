import { expect, test, type Page } from '@playwright/test';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Badges and enrollment in the console (issue 12) in Chromium against a real fleet server (`npm run server`): an
 * admin issues a driver badge and sees it as a QR image (a PNG data: URL that loads under the console's CSP), revokes
 * it, makes an enrollment token shown as a QR whose token enrolls a kiosk once; both actions are in the audit log.
 * Support sees the list but has no issue, revoke or enroll control, and the server refuses them.
 */

let fleet: ConsoleFleet;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** Signs in from the console's start and waits for the kiosks list. */
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await openSignedIn(page, fleet.url, email, password);
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
}

/** The QR image's natural size and whether it is a PNG data: URL that loaded (the CSP allows `img-src data:`). */
async function qrImage(page: Page, name: string | RegExp): Promise<{ src: string; width: number }> {
  const img = page.getByRole('img', { name });
  await expect(img).toBeVisible();
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(100);
  return img.evaluate((i: HTMLImageElement) => ({ src: i.src, width: i.naturalWidth }));
}

test('an admin issues a driver badge shown as a QR, revokes it, and makes an enrollment token QR that enrolls a kiosk', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await signIn(page, fleet.admin.email, fleet.admin.password);
  await page.getByRole('link', { name: 'Badges and enrollment' }).click();
  await expect(page.getByRole('heading', { name: 'Badges and enrollment', level: 1 })).toBeVisible();

  await page.getByLabel('Name on the badge').fill('Dana <b>Driver</b>');
  await page.getByLabel('Role').selectOption('driver');
  await page.getByLabel('Valid for').first().selectOption({ label: '1 week' });
  const issued = page.waitForResponse((r) => r.url().endsWith('/console/api/badges') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Issue badge' }).click();
  const { token, badgeId } = (await (await issued).json()) as { token: string; badgeId: string };
  const card = page.getByRole('region', { name: 'Driver badge: Dana <b>Driver</b>' });
  await expect(card).toContainText(badgeId);
  const qr = await qrImage(page, "QR code of Dana <b>Driver</b>'s driver badge");
  expect(qr.src).toMatch(/^data:image\/png;base64,/);
  expect(token.length).toBeGreaterThan(40);
  const row = page.getByRole('row').filter({ hasText: badgeId });
  await expect(row).toContainText('Active');
  await expect(row).toContainText('Driver');
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  await check(page, '30-badge-issued');

  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: "Revoke Dana <b>Driver</b>'s driver badge" }).click();
  await expect(row).toContainText('Revoked');
  await expect(card).toBeHidden(); // a revoked badge's QR is not left on screen to print

  await page.getByRole('button', { name: 'Create enrollment token' }).click();
  const enrollCard = page.getByRole('region', { name: 'Enrollment token' });
  await qrImage(page, 'QR code of the enrollment token');
  const enrollmentToken = (await enrollCard.locator('code.secret').textContent())!;
  expect(enrollmentToken).toMatch(/^lket_/);
  await check(page, '31-enrollment-token');
  // The token shown is the real one: a kiosk enrolls with it, once.
  const enroll = (t: string) =>
    fetch(fleet.url + '/v1/kiosks/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enrollmentToken: t, capacity: { S: 1, M: 1, L: 1, XL: 1 } }) });
  expect((await enroll(enrollmentToken)).status).toBe(200);
  expect((await enroll(enrollmentToken)).status).toBe(401);

  // The audit log names both actions.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'badge.revoke' })).toContainText(badgeId);
  // This admin's one token (the fixture enrolled its kiosk with the admin key: that row says admin-key, red team 12 finding 3).
  await expect(page.getByRole('row').filter({ hasText: 'enrollment.create' }).filter({ hasText: fleet.admin.email })).toHaveCount(1);
  await expect(page.getByRole('row').filter({ hasText: 'enrollment.create' }).filter({ hasText: 'admin-key' })).toHaveCount(1);
});

test('support sees the badges but cannot issue, revoke or enroll, and the server refuses each', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  const support = { email: 'sue@example.com', password: 'support password 123' };
  const admin = await fetch(fleet.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fleet.admin) });
  const cookie = /^([^;]+)/.exec(admin.headers.get('set-cookie') ?? '')![1]!;
  const { csrfToken } = (await admin.json()) as { csrfToken: string };
  const asAdmin = (p: string, body: unknown) =>
    fetch(fleet.url + '/console/api/' + p, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await asAdmin('operators', { ...support, name: 'Sue Support', role: 'support' })).status).toBe(201);
  const tech = (await (await asAdmin('badges', { role: 'technician', name: 'Theo Tech', ttlHours: 48 })).json()) as { badgeId: string };

  await signIn(page, support.email, support.password);
  await page.getByRole('link', { name: 'Badges and enrollment' }).click();
  const row = page.getByRole('row').filter({ hasText: tech.badgeId });
  await expect(row).toContainText('Technician');
  await expect(row).toContainText('Active');
  await expect(page.getByRole('button', { name: /Revoke|Issue badge|Create enrollment token/ })).toHaveCount(0);
  const refused = await page.evaluate(async (badgeId) => {
    const s = (await (await fetch('/console/api/session')).json()) as { csrfToken: string };
    const post = async (p: string, body: unknown) =>
      (await fetch('/console/api/' + p, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken }, body: JSON.stringify(body) })).status;
    return [await post('badges', { role: 'driver', name: 'Sneaky', ttlHours: 24 }), await post(`badges/${badgeId}/revoke`, {}), await post('enrollment-tokens', {})];
  }, tech.badgeId);
  expect(refused).toEqual([403, 403, 403]);
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: tech.badgeId })).toContainText('Active');
  await check(page, '32-badges-support');
});
