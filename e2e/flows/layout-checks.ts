import type { Locator, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '../fixtures';

/**
 * What a person sees of a screen's parts, measured in the page: whether each part lies inside the viewport, is really
 * on top where it is drawn (hit-testing finds it, not the top bar or a clipping edge), shows all of its text, is big
 * enough to touch, and keeps clear of the others. Shared by the layout specs for large text, low reach and contrast.
 */

/** The smallest target the kiosk draws (the top bar's `.btn.small`); customer keys and buttons must not go below. */
export const MIN_TARGET = 64;

/** The small screens the red team used, and the kiosk's own portrait and landscape. */
export const VIEWPORTS = [
  { width: 800, height: 1280 },
  { width: 1280, height: 800 },
  { width: 1080, height: 1920 },
  { width: 1920, height: 1080 },
] as const;

export interface Toggles {
  large: boolean;
  low: boolean;
  contrast: boolean;
}

/** Every combination of the three display options, plain first. */
export const COMBINATIONS: Toggles[] = [false, true].flatMap((contrast) =>
  [false, true].flatMap((low) => [false, true].map((large) => ({ large, low, contrast }))),
);

export function comboName(t: Toggles): string {
  return [t.large && 'large', t.low && 'low', t.contrast && 'contrast'].filter(Boolean).join('+') || 'plain';
}

/** Sets the top bar's toggles as a person would (a touch each), and waits until the app shows them. */
export async function setToggles(page: Page, t: Toggles): Promise<void> {
  const wanted = { 'Large text': t.large, 'Low reach': t.low, 'High contrast': t.contrast };
  for (const [name, on] of Object.entries(wanted)) {
    const button = page.getByRole('group', { name: 'Display options' }).getByRole('button', { name, exact: true });
    if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click();
    await expect(button).toHaveAttribute('aria-pressed', String(on));
  }
  const app = page.locator('.app');
  await expect(app).toHaveAttribute('data-text', t.large ? 'large' : 'normal');
  await expect(app).toHaveAttribute('data-reach', t.low ? 'low' : 'normal');
  await expect(app).toHaveAttribute('data-contrast', t.contrast ? 'high' : 'normal');
}

interface Seen {
  label: string;
  box: { left: number; top: number; right: number; bottom: number; width: number; height: number };
  /** Sample points (centre and four inset corners) where something else is hit: covered, clipped or off screen. */
  hidden: number;
  /** Its own text runs past its box (cut off by the box or spilling onto a neighbour). */
  spills: boolean;
}

async function see(locator: Locator, label: string): Promise<Seen[]> {
  return locator.evaluateAll(
    (els, name) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        // Inset past the rounded corners (16 px radius), which hit-test as the parent behind them.
        const inset = Math.min(10, r.width / 4, r.height / 4);
        const points = [
          [(r.left + r.right) / 2, (r.top + r.bottom) / 2],
          [r.left + inset, r.top + inset],
          [r.right - inset, r.top + inset],
          [r.left + inset, r.bottom - inset],
          [r.right - inset, r.bottom - inset],
        ] as const;
        const hidden = points.filter(([x, y]) => {
          const hit = document.elementFromPoint(x, y);
          return !hit || !(hit === el || el.contains(hit));
        }).length;
        const spills = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
        const box = { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
        return { label: els.length > 1 ? `${name} "${(el.textContent ?? '').trim() || el.getAttribute('aria-label')}"` : name, box, hidden, spills };
      }),
    label,
  );
}

export interface Part {
  label: string;
  locator: Locator;
  /** Keys and buttons: also at least MIN_TARGET in both directions. */
  target?: boolean;
}

/** Everything wrong with how the parts are laid out right now, in words; empty when a person sees them all. */
export async function layoutProblems(page: Page, parts: Part[]): Promise<string[]> {
  const { width: vw, height: vh } = page.viewportSize()!;
  const problems: string[] = [];
  const blocks: Seen[] = [];
  for (const part of parts) {
    const seen = await see(part.locator, part.label);
    if (seen.length === 0) problems.push(`${part.label}: not on the screen`);
    for (const s of seen) {
      const b = s.box;
      if (b.top < -0.5 || b.left < -0.5 || b.bottom > vh + 0.5 || b.right > vw + 0.5) {
        problems.push(`${s.label}: outside the ${vw}x${vh} viewport (top ${Math.round(b.top)}, bottom ${Math.round(b.bottom)}, left ${Math.round(b.left)}, right ${Math.round(b.right)})`);
      }
      if (s.hidden > 0) problems.push(`${s.label}: covered or clipped at ${s.hidden} of 5 points`);
      if (s.spills) problems.push(`${s.label}: its text is cut off or spills out of its box`);
      if (part.target && Math.min(b.width, b.height) < MIN_TARGET) problems.push(`${s.label}: ${Math.round(b.width)}x${Math.round(b.height)} px, under ${MIN_TARGET} px`);
    }
    blocks.push(...seen);
  }
  // The screen's parts never lie on each other, nor on the top bar, the banner or the status bar.
  for (const chrome of ['.topbar', '.statusbar', '.banner']) blocks.push(...(await see(page.locator(chrome), chrome)));
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i]!.box;
      const b = blocks[j]!.box;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) problems.push(`${blocks[i]!.label} overlaps ${blocks[j]!.label}`);
    }
  }
  // The screen itself never scrolls: nothing may be pushed out of it where a person cannot reach.
  const overflow = await page.locator('main.screen').evaluate((el) => Math.max(0, el.scrollHeight - el.clientHeight, el.scrollWidth - el.clientWidth, el.scrollTop));
  if (overflow > 1) problems.push(`the screen's content overflows it by ${overflow} px`);
  return problems;
}

/** For review: the screen as it was measured (only when KEYPAD_SHOTS names a folder, e.g. /tmp/shots/large). */
export async function keepShot(page: Page, name: string): Promise<void> {
  const dir = process.env.KEYPAD_SHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled' });
}
