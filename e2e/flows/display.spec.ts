import { expect, test } from '../fixtures';
import { expectAccessible, PORTRAIT, shoot } from './helpers';

test.use({ viewport: PORTRAIT });

test('high contrast meets AAA; large text and low reach keep every control on screen', async ({ kioskPage: screen }, info) => {
  await screen.getByRole('button', { name: 'High contrast' }).click();
  await expect(screen.locator('.app')).toHaveAttribute('data-contrast', 'high');
  await expectAccessible(screen, 'attract, high contrast', { aaa: true });
  await shoot(screen, info, '30-attract-high-contrast');
  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await expectAccessible(screen, 'keypad, high contrast', { aaa: true });
  await shoot(screen, info, '31-keypad-high-contrast');

  await screen.getByRole('button', { name: 'High contrast' }).click();
  await screen.getByRole('button', { name: 'Large text' }).click();
  await screen.getByRole('button', { name: 'Low reach' }).click();
  await expect(screen.locator('.app')).toHaveAttribute('data-reach', 'low');
  await shoot(screen, info, '32-keypad-large-text-low-reach');
  // Low reach: every button sits in the lower part of a portrait screen, none is cut off.
  for (const box of await screen.getByRole('button').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
    expect(box.top).toBeGreaterThan(PORTRAIT.height * 0.25);
    expect(box.bottom).toBeLessThanOrEqual(PORTRAIT.height);
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(60);
  }
  await expectAccessible(screen, 'keypad, large text, low reach');
});

test('the language can be switched on any screen', async ({ kioskPage: screen }, info) => {
  await screen.getByRole('button', { name: 'Polski' }).click();
  await expect(screen.getByRole('button', { name: 'Odbierz paczkę' })).toBeVisible();
  await expect(screen.locator('html')).toHaveAttribute('lang', 'pl');
  await shoot(screen, info, '33-attract-polish');
  await screen.getByRole('button', { name: 'Odbierz paczkę' }).click();
  await expect(screen.getByRole('heading', { name: 'Wpisz 6-cyfrowy kod odbioru' })).toBeVisible();
  await screen.getByRole('button', { name: 'Deutsch' }).click();
  await expect(screen.getByRole('heading', { name: 'Geben Sie Ihren 6-stelligen Abholcode ein' })).toBeVisible();
  await screen.getByRole('button', { name: 'Español' }).click();
  await expect(screen.getByRole('button', { name: 'Abrir mi puerta' })).toBeVisible();
  await expectAccessible(screen, 'keypad, Spanish');
});

test('kiosk hygiene: no context menu, no text selection, no scrollbars', async ({ kioskPage: screen }) => {
  const state = await screen.evaluate(() => {
    const ev = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
    document.body.dispatchEvent(ev);
    const html = document.documentElement;
    return {
      contextMenuBlocked: ev.defaultPrevented,
      userSelect: getComputedStyle(html).userSelect,
      overflow: getComputedStyle(document.body).overflow,
      scrolls: html.scrollHeight > html.clientHeight || html.scrollWidth > html.clientWidth,
    };
  });
  expect(state).toEqual({ contextMenuBlocked: true, userSelect: 'none', overflow: 'hidden', scrolls: false });
});
