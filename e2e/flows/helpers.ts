import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import path from 'node:path';
import { expect, type KioskHandle } from '../fixtures';

export const PORTRAIT = { width: 1080, height: 1920 };
export const LANDSCAPE = { width: 1920, height: 1080 };
const SHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');

type Ok<T> = { ok: true; value: T };
async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`API call failed: ${r.error.code} ${r.error.message}`);
  return (r as Ok<T>).value;
}

/** The demo badges and parcels the kiosk prints at start (embedded fleet server). */
export async function demo(kiosk: KioskHandle) {
  const driver = (await kiosk.waitForLine(/demo driver badge: \S+/)).match(/badge: (\S+)/)![1]!;
  const technician = (await kiosk.waitForLine(/demo technician badge: \S+/)).match(/badge: (\S+)/)![1]!;
  const line = await kiosk.waitForLine(/demo parcels to deliver/);
  const parcels = [...line.matchAll(/(DEMO-[\w-]+) \((S|M|L|XL)\)/g)].map((m) => ({ barcode: m[1]!, size: m[2]! }));
  return { driver, technician, parcels };
}

/** Deposits a parcel the way a driver would, through the API and the simulated board; returns its compartment. */
export async function deposit(kiosk: KioskHandle, badge: string, barcode: string): Promise<string> {
  const s = await ok(kiosk.call<{ sessionId: string }>('authBadge', { badge }));
  const d = await ok(kiosk.call<{ operationId: string; where: { compartmentId: string } }>('dropoffScan', { sessionId: s.sessionId, barcode }));
  await ok(kiosk.call('simDoor', { compartmentId: d.where.compartmentId, action: 'put-item' }));
  await ok(kiosk.call('simDoor', { compartmentId: d.where.compartmentId, action: 'close' }));
  await ok(kiosk.call('authEnd', { sessionId: s.sessionId }));
  return d.where.compartmentId;
}

/** The pickup code, as the console "SMS" of the embedded fleet server prints it after the deposit syncs. */
export async function codeFor(kiosk: KioskHandle, barcode: string): Promise<string> {
  const line = await kiosk.waitForLine(new RegExp(`parcel ${barcode} .* is \\d{6}`), 30_000);
  return line.match(/ is (\d{6})/)![1]!;
}

/**
 * A keyboard-wedge scanner: the whole payload as one fast burst of keydowns, then Enter, fired inside the page in
 * one task, as a scanner delivers it. Typed key by key over CDP (`page.keyboard.type`), every key is a round trip:
 * with both cores busy the average gap between keys passes the 30 ms a scanner never exceeds, the burst detector
 * rightly calls it typing, and the spec waits for a door that never opens (seen: "door panel did not appear"). The
 * detector's timing rules, the real key events included, are unit-tested in tests/renderer.
 */
export async function scan(page: Page, text: string): Promise<void> {
  await page.evaluate((payload) => {
    for (const key of [...payload, 'Enter']) window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  }, text);
}

export async function typeCode(page: Page, code: string): Promise<void> {
  const pad = page.getByRole('group', { name: 'Number keypad' });
  for (const d of code) await pad.getByRole('button', { name: d, exact: true }).click();
}

/** The screen as people see it in both orientations, saved for the README and for review. Host project only. */
export async function shoot(page: Page, info: TestInfo, name: string): Promise<void> {
  if (info.project.name !== 'host') return;
  for (const [orientation, size] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${orientation}.png`), animations: 'disabled' });
    // Nothing may be cut off: the screen area must hold its content (lists and the technician grid scroll by design).
    const overflow = await page.evaluate(() => {
      const screen = document.querySelector('.screen');
      return screen ? Math.max(0, screen.scrollHeight - screen.clientHeight, screen.scrollWidth - screen.clientWidth) : 0;
    });
    expect(overflow, `${name} ${orientation}: content overflows the screen by ${overflow}px`).toBeLessThanOrEqual(2);
  }
  await page.setViewportSize(PORTRAIT);
}

/** axe-core on the current screen: no serious or critical violations (AAA contrast too when asked). */
export async function expectAccessible(page: Page, screenName: string, opts: { aaa?: boolean } = {}): Promise<void> {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', ...(opts.aaa ? ['wcag2aaa'] : [])];
  const result = await new AxeBuilder({ page }).withTags(tags).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || (opts.aaa && v.id === 'color-contrast-enhanced'));
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(summary, `axe on "${screenName}"`).toEqual([]);
}
