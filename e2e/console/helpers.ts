import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { expectAccessible } from '../flows/helpers';

/** What the console specs share: the two screen sizes, the axe-and-screenshot check, and signing in. */
export const VIEWPORTS = { desktop: { width: 1440, height: 900 }, tablet: { width: 1024, height: 768 } } as const;
const SHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');

/** axe, then a screenshot at both sizes (nothing may overflow sideways at either); back to desktop after. */
export async function check(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} ${label}: wider than the window by ${overflow}px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, `console-${name}-${label}.png`), fullPage: true, animations: 'disabled' });
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

/** Fills the sign-in form the page shows and submits it (whatever the outcome). */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the console of the fleet at `baseUrl` on `route` (e.g. `#/inbox`; '' for the kiosks) and signs in there. */
export async function openSignedIn(page: Page, baseUrl: string, email: string, password: string, route = ''): Promise<void> {
  await page.goto(`${baseUrl}/console/${route}`);
  await submitSignIn(page, email, password);
}
