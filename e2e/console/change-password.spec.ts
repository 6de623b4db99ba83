import { expect, test } from '@playwright/test';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn, submitSignIn } from './helpers';

/**
 * Passwords in the console (red-team finding A, ADR password-reset), Chromium against a real fleet server (`npm run
 * server`): the admin changes their own password (a typo in the second copy and a wrong current password refused on
 * the page, then the change; their session in another "browser" ends, this one stays; the old password no longer signs
 * in). Then they reset an operator's password: shown once, and the operator signing in with it sees nothing but
 * "choose your own" until they have.
 */
const NEW = 'a much better passphrase';
let fleet: ConsoleFleet;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** A session of `email` outside the page (another browser): its cookie. */
async function otherSession(email: string, password: string): Promise<string> {
  const r = await fetch(`${fleet.url}/console/api/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!r.ok) throw new Error(`sign-in: ${r.status}`);
  return /^([^;]+)/.exec(r.headers.get('set-cookie')!)![1]!;
}
const sessionStatus = async (cookie: string) => (await fetch(`${fleet.url}/console/api/session`, { headers: { cookie } })).status;

test('change my password: checked twice and against the current one; other sessions end, this one stays; old password refused', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  const elsewhere = await otherSession(fleet.admin.email, fleet.admin.password);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password);
  await page.getByRole('link', { name: 'Change my password' }).click();
  await expect(page.getByRole('heading', { name: 'Change my password', level: 1 })).toBeVisible();
  await check(page, '63-change-password');

  const current = page.getByLabel('Current password');
  const next = page.getByLabel('New password (12 or more characters)');
  const again = page.getByLabel('New password again');
  await current.fill(fleet.admin.password);
  await next.fill(NEW);
  await again.fill(NEW + 'x');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toHaveText('The two new passwords are not the same: type it again.');

  await current.fill('not my password at all');
  await again.fill(NEW);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toHaveText('the current password is not right: nothing was changed');
  expect(await sessionStatus(elsewhere)).toBe(200);

  await current.fill(fleet.admin.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toHaveText('Password changed. Your other session was signed out. This one stays signed in.');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await check(page, '64-password-changed');
  expect(await sessionStatus(elsewhere)).toBe(401);
  await page.getByRole('link', { name: 'Kiosks', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await submitSignIn(page, fleet.admin.email, fleet.admin.password);
  await expect(page.getByRole('alert')).toHaveText('wrong e-mail or password');
  await submitSignIn(page, fleet.admin.email, NEW);
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();

  await page.goto(`${fleet.url}/console/#/audit`);
  await expect(page.getByRole('row').filter({ hasText: 'password.change' }).filter({ hasText: 'otherSessionsEnded' })).toHaveCount(1);
  await expect(page.locator('body')).not.toContainText(NEW);
});

test("an admin resets an operator's password: shown once; signed in with it, the operator can only choose their own", async ({ page, browser }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, NEW, '#/operators');
  await expect(page.getByRole('heading', { name: 'Operators', level: 1 })).toBeVisible();
  await page.getByLabel('E-mail').fill('olga@example.com');
  await page.getByLabel('Name').fill('Olga Operator');
  await page.getByLabel('Role', { exact: true }).selectOption('operator');
  await page.getByLabel('First password (12+ characters)').fill('olga first password');
  await page.getByRole('button', { name: 'Create operator' }).click();
  await expect(page.getByText('Operator olga@example.com created.')).toBeVisible();
  const olgaElsewhere = await otherSession('olga@example.com', 'olga first password');

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Reset the password of olga@example.com' }).click();
  const secret = page.locator('code.secret');
  await expect(secret).toHaveText(/^[A-Za-z0-9_-]{20}$/);
  const temporary = (await secret.textContent())!;
  await check(page, '65-password-reset-shown');
  expect(await sessionStatus(olgaElsewhere)).toBe(401);

  const olga = await (await browser.newContext({ viewport: VIEWPORTS.desktop })).newPage();
  await openSignedIn(olga, fleet.url, 'olga@example.com', temporary);
  await expect(olga.getByRole('heading', { name: 'Choose your own password', level: 1 })).toBeVisible();
  await expect(olga.getByRole('navigation', { name: 'Console' })).toHaveCount(0);
  await check(olga, '66-choose-own-password');
  await olga.getByLabel('The password you were given').fill(temporary);
  await olga.getByLabel('New password (12 or more characters)').fill('olga own passphrase');
  await olga.getByLabel('New password again').fill('olga own passphrase');
  await olga.getByRole('button', { name: 'Change password' }).click();
  await expect(olga.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  await expect(olga.getByRole('status').first()).toContainText('Password changed.');
  await olga.context().close();

  await page.goto(`${fleet.url}/console/#/audit`);
  await expect(page.getByRole('row').filter({ hasText: 'password.reset' }).filter({ hasText: 'olga@example.com' })).toHaveCount(1);
  await expect(page.locator('body')).not.toContainText(temporary);
});
