import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures';
import { typeCode } from './helpers';
import { COMBINATIONS, comboName, keepShot, layoutProblems, setToggles, VIEWPORTS, type Part } from './layout-checks';

/**
 * Red-team finding: with Large text and Low reach on, the keypad screens lost their heading and instruction at
 * 800×1280 and 1280×800 (the low-reach band above the controls and the large type left no room, and the overflow went
 * off the top of the screen). Every keypad screen, in each viewport and each combination of the display options, shows
 * its heading, its instruction, the whole keypad and its buttons: inside the viewport, uncovered, unclipped, touchable.
 */

interface KeypadScreen {
  name: string;
  heading: string;
  instruction?: string;
  /** What shows the digits typed so far (boxes, or the phone number). */
  readout: string;
  primary: string;
  back: string;
  /** Anything else the state shows that a person must read (a wrong-code notice, the check-code boxes). */
  extra?: Record<string, (page: Page) => Part['locator']>;
}

function parts(page: Page, s: KeypadScreen): Part[] {
  return [
    { label: 'heading', locator: page.getByRole('heading', { level: 1, name: s.heading, exact: true }) },
    ...(s.instruction ? [{ label: 'instruction', locator: page.getByText(s.instruction, { exact: true }) }] : []),
    ...Object.entries(s.extra ?? {}).map(([label, locate]) => ({ label, locator: locate(page) })),
    { label: 'readout', locator: page.getByTestId(s.readout) },
    { label: 'key', locator: page.getByRole('group', { name: 'Number keypad' }).getByRole('button'), target: true },
    { label: 'primary button', locator: page.getByRole('button', { name: s.primary, exact: true }), target: true },
    { label: 'back button', locator: page.getByRole('button', { name: s.back, exact: true }), target: true },
  ];
}

/** Each viewport × each combination of the display options: every problem a person would see, all at once. */
async function checkEverywhere(page: Page, s: KeypadScreen): Promise<void> {
  const problems: string[] = [];
  for (const toggles of COMBINATIONS) {
    await setToggles(page, toggles);
    for (const size of VIEWPORTS) {
      await page.setViewportSize(size);
      const at = `${s.name} at ${size.width}x${size.height}, ${comboName(toggles)}`;
      await expect(page.getByRole('heading', { level: 1, name: s.heading, exact: true }), at).toBeAttached();
      // One clear action: a single primary button on the screen.
      const primaries = await page.locator('main.screen .btn.primary').count();
      if (primaries !== 1) problems.push(`${at}: ${primaries} primary buttons`);
      problems.push(...(await layoutProblems(page, parts(page, s))).map((p) => `${at}: ${p}`));
      await keepShot(page, `${s.name}-${size.width}x${size.height}-${comboName(toggles)}`);
    }
  }
  // Soft: a test visiting two states reports both.
  expect.soft(problems, `${s.name}: what a person would not see`).toEqual([]);
}

const PICKUP: KeypadScreen = {
  name: 'pickup',
  heading: 'Enter your 6-digit pickup code',
  instruction: 'or hold the QR code from your phone up to the scanner',
  readout: 'code-boxes',
  primary: 'Open my door',
  back: 'Back',
};

async function home(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Parcel locker' }).click();
  await expect(page.getByRole('heading', { name: 'What would you like to do?' })).toBeVisible();
}

// 32 layouts per screen, each measured part by part, on a machine that may be busy.
test.describe.configure({ timeout: 240_000 });

test('the pickup keypad, and the same after a wrong code, shows heading, instruction, keypad and buttons', async ({ kioskPage: page }) => {
  await page.getByRole('button', { name: 'Pick up a parcel' }).click();
  await expect(page.getByRole('heading', { name: PICKUP.heading })).toBeVisible();
  await checkEverywhere(page, PICKUP);

  // The wrong-code notice sits above the keypad: it must not push the heading or "Open my door" out either.
  await typeCode(page, '000000');
  await page.getByRole('button', { name: 'Open my door' }).click();
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'CODE_INVALID');
  await checkEverywhere(page, { ...PICKUP, name: 'pickup-wrong-code', extra: { 'wrong-code notice': (p) => p.getByTestId('error') } });
});

test('the hardened pickup keypad (code and check code) shows heading, instruction, both sets of boxes and the keypad', async ({ kioskPage: page }) => {
  await page.getByRole('button', { name: 'Pick up a parcel' }).click();
  // Five wrong codes harden the keypad (ADR 0008): the check-code boxes join the code's from the first digit on.
  for (let i = 0; i < 5; i++) {
    await typeCode(page, `00000${i}`);
    await page.getByRole('button', { name: 'Open my door' }).click();
    await expect(page.getByTestId('error')).toBeVisible();
  }
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Pick up a parcel' }).click();
  await expect(page.getByTestId('check-boxes')).toBeVisible();
  await checkEverywhere(page, {
    ...PICKUP,
    name: 'pickup-check-code',
    heading: 'Enter your code and check code',
    instruction: 'For your security, also enter the 4-digit check code from your message',
    extra: { 'check-code boxes': (p) => p.getByTestId('check-boxes') },
  });
});

test('"I lost my code": the phone keypad shows heading, instruction, number, keypad and buttons', async ({ kioskPage: page }) => {
  await home(page);
  await page.getByRole('button', { name: 'I lost my code' }).click();
  await typeCode(page, '48500100402');
  await expect(page.getByTestId('phone-readout')).toHaveText('+48500100402');
  await checkEverywhere(page, {
    name: 'lost-code',
    heading: 'Enter the phone number your parcel was sent to',
    instruction: 'Start with the country code, for example 48 for Poland. We send the code to this number only.',
    readout: 'phone-readout',
    primary: 'Send me a new code',
    back: 'Back',
  });
});

test('"Send or return a parcel": the drop-off keypad shows heading, instruction, keypad and buttons', async ({ kioskPage: page }) => {
  await home(page);
  await page.getByRole('button', { name: 'Send or return a parcel' }).click();
  await checkEverywhere(page, {
    name: 'send',
    heading: 'Enter your 6-digit drop-off code',
    instruction: 'or hold the QR code from your message up to the scanner',
    readout: 'code-boxes',
    primary: 'Open a compartment',
    back: 'Back',
  });
});

test('the staff PIN keypad shows heading, keypad and buttons', async ({ kioskPage: page }) => {
  await home(page);
  await page.getByRole('button', { name: 'Staff PIN' }).click();
  await checkEverywhere(page, { name: 'staff-pin', heading: 'Enter your staff PIN', readout: 'code-boxes', primary: 'Sign in', back: 'Cancel' });
});
