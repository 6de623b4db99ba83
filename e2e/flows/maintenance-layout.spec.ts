import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures';
import { demo, expectAccessible, scan } from './helpers';
import path from 'node:path';

const SHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 1280 },
];

/**
 * Every tile of the technician's grid as laid out: pairs of tiles whose boxes intersect, tiles smaller than a 44 px
 * touch target, and tiles whose text spills out of their box (onto a neighbour, as a person sees an overlap).
 */
async function gridProblems(page: Page) {
  return page.evaluate(() => {
    const cells = [...document.querySelectorAll<HTMLElement>('[data-testid="tech-grid"] .cell')];
    const boxes = cells.map((c) => ({ id: c.dataset.compartment!, r: c.getBoundingClientRect(), spill: c.scrollHeight - c.clientHeight > 1 || c.scrollWidth - c.clientWidth > 1 }));
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) overlaps.push(`${boxes[i]!.id}/${boxes[j]!.id}`);
      }
    }
    // The screen's own blocks: the header, the grid and the selected compartment's tools never cover each other,
    // and the grid keeps room for at least one whole row of tiles.
    const blocks = ['.tech-header', '[data-testid="tech-grid"]', '[data-testid="tech-selected"]'].map((sel) => ({ sel, r: document.querySelector(sel)!.getBoundingClientRect() }));
    const covered: string[] = [];
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++) {
        const a = blocks[i]!.r;
        const b = blocks[j]!.r;
        if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5) covered.push(`${blocks[i]!.sel} / ${blocks[j]!.sel}`);
      }
    }
    const panel = document.querySelector('.tab-panel')!;
    return {
      covered,
      gridRoom: blocks[1]!.r.height >= Math.max(...boxes.map((b) => b.r.height)),
      panelOverflows: panel.scrollHeight - panel.clientHeight > 1,
      tiles: boxes.length,
      overlaps,
      small: boxes.filter((b) => b.r.width < 44 || b.r.height < 44).map((b) => `${b.id} ${Math.round(b.r.width)}x${Math.round(b.r.height)}`),
      spill: boxes.filter((b) => b.spill).map((b) => b.id),
      pageScrolls: document.documentElement.scrollWidth > window.innerWidth + 1,
    };
  });
}

// Red-team finding 11 (issue 10): at 1280×800 and 800×1280 with large text and low reach, the grid's tiles overlapped;
// the audit tab's "What" column showed raw event names.
test('large text + low reach at 1280×800 and 800×1280: no two grid tiles overlap, each a 44 px target; the audit log says what happened in words', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.technician);
  await expect(screen.getByTestId('tech-grid')).toBeVisible();
  await screen.getByRole('button', { name: 'Large text' }).click();
  await screen.getByRole('button', { name: 'Low reach' }).click();
  // A selected compartment puts its tools beside or below the grid: the grid gets the least room then.
  await screen.getByTestId('tech-grid').locator('[data-compartment="A01"]').click();
  await expect(screen.getByTestId('tech-selected')).toBeVisible();
  for (const size of SIZES) {
    await screen.setViewportSize(size);
    await expect(screen.getByTestId('tech-grid')).toBeVisible();
    const p = await gridProblems(screen);
    const at = `${size.width}x${size.height}`;
    expect(p.tiles, at).toBeGreaterThan(10);
    expect(p.overlaps, `tiles overlapping at ${at}`).toEqual([]);
    expect(p.small, `tiles under 44 px at ${at}`).toEqual([]);
    expect(p.spill, `tile text spilling out at ${at}`).toEqual([]);
    expect(p.pageScrolls, `the page scrolls sideways at ${at}`).toBe(false);
    expect(p.covered, `screen blocks covering each other at ${at}`).toEqual([]);
    expect(p.gridRoom, `the grid shows a whole row of tiles at ${at}`).toBe(true);
    expect(p.panelOverflows, `the tab panel overflows onto the header at ${at}`).toBe(false);
    if (info.project.name === 'host') await screen.screenshot({ path: path.join(SHOTS, `30-maintenance-grid-large-low-${at}.png`), animations: 'disabled' });
  }
  await expectAccessible(screen, 'maintenance grid, large text, low reach, 800x1280');

  // The audit tab: words in the reader's language, the raw action name only in the details.
  await screen.getByRole('tab', { name: 'Audit log' }).click();
  const rows = screen.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.locator('.audit-what').allTextContents()) expect(text, 'a raw event name in the What column').not.toMatch(/^[a-z_]+\.[a-z_]+$/);
  const signedIn = rows.and(screen.locator('[data-action="auth.session_started"]')).first();
  await expect(signedIn.locator('.audit-what')).toHaveText('Signed in');
  await signedIn.getByRole('button').click();
  await expect(signedIn.getByTestId('audit-detail')).toContainText('auth.session_started');
  for (const size of SIZES) {
    await screen.setViewportSize(size);
    if (info.project.name === 'host') await screen.screenshot({ path: path.join(SHOTS, `31-maintenance-audit-words-${size.width}x${size.height}.png`), animations: 'disabled' });
  }
  // In German, the same rows in German.
  await screen.getByRole('button', { name: 'Deutsch' }).click();
  await expect(signedIn.locator('.audit-what')).toHaveText('Angemeldet');
  if (info.project.name === 'host') await screen.screenshot({ path: path.join(SHOTS, '31-maintenance-audit-words-de.png'), animations: 'disabled' });
});
