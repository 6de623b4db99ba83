import { expect, test } from '@playwright/test';
import { HOSTILE_FAULT, HOSTILE_NAME, startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, submitSignIn } from './helpers';

/** The operator console in Chromium against a real fleet server (issue 12). Screens at desktop and tablet sizes. */

// The second test signs in as the operator the first one creates.
test.describe.configure({ mode: 'serial' });

let fleet: ConsoleFleet;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
});
test.afterAll(async () => {
  await fleet?.stop();
});

test('an admin signs in, sees the kiosks (markup shown as text), creates a support operator and a carrier key, reads the audit log', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  // The old public fleet page sends the browser to the console's sign-in.
  const res = await page.goto(fleet.url + '/');
  expect(page.url()).toBe(fleet.url + '/console/');
  expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.getByRole('heading', { name: 'Locker console' })).toBeVisible();
  await check(page, '01-sign-in');

  await submitSignIn(page, fleet.admin.email, 'not my password at all');
  await expect(page.getByRole('alert')).toHaveText('wrong e-mail or password');
  await check(page, '02-sign-in-wrong');
  await submitSignIn(page, fleet.admin.email, fleet.admin.password);

  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: fleet.kioskId });
  await expect(row).toContainText('Online');
  await expect(row).toContainText('S 3/4 · M 3/3 · L 2/2 · XL 1/1');
  await expect(row).toContainText('2 events');
  // The kiosk's name and fault text are markup; the console shows them as text and runs none of it.
  await expect(row).toContainText(HOSTILE_NAME);
  await expect(row).toContainText(HOSTILE_FAULT);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('#root script, #root img').count()).toBe(0);
  await check(page, '03-kiosks');

  await page.getByRole('link', { name: 'Operators' }).click();
  await page.getByLabel('E-mail').fill('sam.support@example.com');
  await page.getByLabel('Name').fill('Sam Support');
  await page.getByLabel('Role', { exact: true }).selectOption('support');
  await page.getByLabel('First password (12+ characters)').fill('support password 1');
  await page.getByRole('button', { name: 'Create operator' }).click();
  await expect(page.getByText('Operator sam.support@example.com created.')).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'sam.support@example.com' })).toContainText('Active');
  await check(page, '04-operators');

  await page.getByRole('link', { name: 'Carrier API keys' }).click();
  await page.getByLabel('Carrier', { exact: true }).fill('Acme Parcels');
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = await page.locator('code.secret').textContent();
  expect(shown).toMatch(/^lkc_/);
  await expect(page.getByRole('row').filter({ hasText: 'Acme Parcels' })).toContainText('all');
  await check(page, '05-carrier-keys');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'operator.create' })).toContainText('sam.support@example.com');
  await expect(page.getByRole('row').filter({ hasText: 'carrier-key.create' })).toContainText(fleet.admin.email);
  await expect(page.getByRole('row').filter({ hasText: 'signin' }).filter({ hasText: 'refused' }).first()).toBeVisible();
  await check(page, '06-audit');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('support sees the kiosks, and nothing it may not do: no operator, key or audit pages; revoking a badge and creating an enrollment token are refused', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.goto(fleet.url + '/console/');
  await submitSignIn(page, 'sam.support@example.com', 'support password 1');
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  // The pages support may see grow with the console; the ones it may not see are what this test is about.
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Kiosks' })).toBeVisible();
  for (const hidden of ['Operators', 'Carrier API keys', 'Audit log']) await expect(nav.getByRole('link', { name: hidden })).toHaveCount(0);
  await expect(page.getByText('support', { exact: true })).toBeVisible();
  await check(page, '07-kiosks-support');

  // Even typed by hand, the pages support may not use are not there, and the server refuses their calls.
  await page.goto(fleet.url + '/console/#/operators');
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  const badge = await (await fetch(fleet.url + '/v1/badges', { method: 'POST', headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'driver', name: 'D', ttlHours: 1 }) })).json();
  const csrf = (await (await page.request.get(fleet.url + '/console/api/session')).json()).csrfToken as string;
  const revoke = await page.request.post(`${fleet.url}/console/api/badges/${badge.badgeId}/revoke`, { headers: { 'x-csrf-token': csrf } });
  expect(revoke.status()).toBe(403);
  const enroll = await page.request.post(`${fleet.url}/console/api/enrollment-tokens`, { headers: { 'x-csrf-token': csrf }, data: {} });
  expect(enroll.status()).toBe(403);
  expect((await enroll.json()).error.message).toBe('the support role may not enrollment.create');
  // And a state change without the CSRF token is refused whatever the role.
  expect((await page.request.post(`${fleet.url}/console/api/sign-out`)).status()).toBe(403);

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect((await page.request.get(fleet.url + '/console/api/session')).status()).toBe(401);
});
