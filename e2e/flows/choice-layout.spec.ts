import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures';
import { codeFor, demo, deposit, typeCode } from './helpers';
import { COMBINATIONS, comboName, keepShot, layoutProblems, setToggles, VIEWPORTS, type Part } from './layout-checks';

/**
 * Found beside the keypad screens' clipping (keypad-layout.spec.ts): the home screen and the choice screens after a
 * door (what next, what is wrong) were one long column that ran off the top and the bottom of a 1280×800 screen in
 * every display mode. Each viewport × each combination of the display options: heading, words and every button seen.
 */

async function checkEverywhere(page: Page, name: string, parts: Part[]): Promise<void> {
  const problems: string[] = [];
  for (const toggles of COMBINATIONS) {
    await setToggles(page, toggles);
    for (const size of VIEWPORTS) {
      await page.setViewportSize(size);
      const at = `${name} at ${size.width}x${size.height}, ${comboName(toggles)}`;
      problems.push(...(await layoutProblems(page, parts)).map((p) => `${at}: ${p}`));
      await keepShot(page, `${name}-${size.width}x${size.height}-${comboName(toggles)}`);
    }
  }
  expect.soft(problems, `${name}: what a person would not see`).toEqual([]);
}

const heading = (page: Page, name: string | RegExp): Part => ({ label: 'heading', locator: page.getByRole('heading', { level: 1, name }) });
// Every button of the screen itself (the demo simulator's control is not the customer's).
const buttons = (page: Page): Part => ({ label: 'button', locator: page.locator('main.screen button:not(.demo)'), target: true });

// 32 layouts per screen, each measured part by part, on a machine that may be busy.
test.describe.configure({ timeout: 240_000 });

test('the home screen shows its heading, both choices, the hints and the staff buttons', async ({ kioskPage: page }) => {
  await page.getByRole('heading', { name: 'Parcel locker' }).click();
  await expect(page.getByRole('heading', { name: 'What would you like to do?' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send or return a parcel' })).toBeVisible();
  await checkEverywhere(page, 'home', [
    heading(page, 'What would you like to do?'),
    { label: 'scan hint', locator: page.getByText('You can also hold the QR code from your message up to the scanner', { exact: true }) },
    { label: 'staff hint', locator: page.getByText('Drivers and technicians: scan your badge', { exact: true }) },
    buttons(page),
  ]);
});

test('after a pickup, "what next" and "what is wrong" show their heading and every choice', async ({ kioskPage: page, kiosk }) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);
  await page.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(page, code);
  await page.getByRole('button', { name: 'Open my door' }).click();
  await expect(page.getByTestId('door-panel')).toBeVisible();
  expect((await kiosk.call('simDoor', { compartmentId: door, action: 'remove-item' })).ok).toBe(true);
  expect((await kiosk.call('simDoor', { compartmentId: door, action: 'close' })).ok).toBe(true);
  const closed = `Thank you! Door ${door} is closed`;
  await expect(page.getByRole('heading', { name: closed })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Door closed too soon?' })).toBeVisible();
  await checkEverywhere(page, 'closed', [heading(page, closed), buttons(page)]);

  await page.getByRole('button', { name: 'Report a problem' }).click();
  await expect(page.getByRole('heading', { name: 'What is wrong?' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await checkEverywhere(page, 'report', [heading(page, 'What is wrong?'), buttons(page)]);
});
