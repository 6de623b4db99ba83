import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { kioskCall, parseReady, READY_LINE, type KioskCallResult } from '../../tests/foundation/kiosk-child';
import type { KioskHandle } from '../fixtures';
import { deposit, PORTRAIT, typeCode } from '../flows/helpers';
import { KioskProcess } from '../kiosk-process';
import { VIEWPORTS, check, submitSignIn } from './helpers';

/**
 * README "Run the network from the console": the walkthrough, step by step, against the demo `npm start` runs (the
 * built host-mode kiosk with its embedded fleet server, demo parcels and demo operator), taking the README's console
 * screenshots (e2e/screenshots/console-walkthrough-*; the README's copies live in docs/screenshots/). To follow it
 * against a demo you started yourself (`npm start -- --host --data-dir DIR > LOG`), set WALKTHROUGH_DEMO_LOG=LOG and
 * WALKTHROUGH_DEMO_DATA_DIR=DIR. The demo polls its fleet every 15 s (no broker), so a change made in the console
 * reaches the kiosk within that.
 */

/** The demo as the walkthrough uses it: what it printed, its API as the kiosk page calls it, its data dir. */
interface Demo {
  lines(): string[];
  call<T = unknown>(name: string, input?: unknown): Promise<KioskCallResult<T>>;
  kioskUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function startDemo(): Promise<Demo> {
  const log = process.env.WALKTHROUGH_DEMO_LOG;
  if (log) {
    const lines = () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const { url, port, token } = parseReady(lines().find((l) => READY_LINE.test(l))!);
    return { lines, call: (n, i = {}) => kioskCall(port, token, n, i), kioskUrl: url, dataDir: process.env.WALKTHROUGH_DEMO_DATA_DIR!, stop: async () => undefined };
  }
  const k = new KioskProcess(); // no --server-url: the demo fleet runs inside the kiosk, as with npm start
  await k.start();
  return { lines: () => k.lines, call: (n, i) => k.call(n, i), kioskUrl: k.url, dataDir: k.dataDir, stop: () => k.stop() };
}

/** The demo as the flows' helpers take a kiosk (they only call its API). */
function handle(d: Demo): KioskHandle {
  return {
    get lines() {
      return d.lines();
    },
    waitForLine: () => Promise.reject(new Error('not used by the walkthrough')),
    call: (n, i) => d.call(n, i),
  };
}

/** The first printed line matching `re`, once there is one (the demo prints its banner and parcels as it starts). */
async function line(demo: Demo, re: RegExp): Promise<RegExpExecArray> {
  await expect.poll(() => demo.lines().some((l) => re.test(l)), { timeout: 30_000, message: `a line like ${re}` }).toBe(true);
  return re.exec(demo.lines().find((l) => re.test(l))!)!;
}

/** Every pickup code the demo's "SMS" printed for `barcode`, oldest first. */
const codesFor = (demo: Demo, barcode: string) => demo.lines().flatMap((l) => (l.includes(`parcel ${barcode} `) ? [/ is (\d{6})/.exec(l)?.[1] ?? ''] : [])).filter(Boolean);

/** The kiosk's stored digest of a parcel's code (read-only, per read): changes once a re-issue has reached it. */
function kioskDigest(demo: Demo, barcode: string): string | null {
  const db = new Database(path.join(demo.dataDir, 'kiosk.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT code_digest FROM parcels WHERE barcode = ? ORDER BY rowid DESC LIMIT 1').get(barcode) as { code_digest: string | null } | undefined)?.code_digest ?? null;
  } finally {
    db.close();
  }
}

let demo: Demo;
test.beforeAll(async () => {
  demo = await startDemo();
});
test.afterAll(async () => {
  await demo?.stop();
});

async function go(page: Page, link: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link, exact: true }).click();
  await expect(page.getByRole('heading', { name: link, level: 1 })).toBeVisible();
}

test('the README walkthrough: the demo network run from the console alone', async ({ page }) => {
  test.setTimeout(360_000); // four round trips through the demo kiosk's 15 s poll, on a loaded machine
  const consoleUrl = (await line(demo, /operator console: (\S+)/))[1]!;
  const [, email, password] = await line(demo, /demo operator: (\S+) password: (\S+)/);
  const driver = (await line(demo, /demo driver badge: (\S+)/))[1]!;
  const parcels = [...(await line(demo, /demo parcels to deliver.*/))[0].matchAll(/(DEMO-[\w-]+) \((S|M|L|XL)\)/g)].map((m) => m[1]!);
  const [p1, p2, , , p5] = parcels;

  // 1. Sign in with the demo operator; the kiosks list.
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.goto(consoleUrl);
  await submitSignIn(page, email!, password!);
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  const info = await demo.call<{ kioskId: string }>('kioskInfo');
  const kioskId = info.ok ? info.value.kioskId : '';
  expect(kioskId).toMatch(/^K-/);
  const row = page.getByRole('row').filter({ hasText: kioskId });
  await expect(row).toContainText('Online');
  await expect(row).toContainText(`${parcels.length} expected`);

  // (At the kiosk, as "Walk through the demo" says: the driver delivers two parcels; the first "SMS" codes print.)
  const door1 = await deposit(handle(demo), driver, p1!);
  await deposit(handle(demo), driver, p2!);
  await expect.poll(() => codesFor(demo, p1!).length, { timeout: 30_000 }).toBe(1);
  const oldCode = codesFor(demo, p1!)[0]!;

  // 2. A kiosk page: the compartment grid, and a compartment taken out of service and put back.
  await row.getByRole('link', { name: kioskId }).click();
  const grid = page.getByRole('list', { name: 'Compartments' });
  await expect(grid.getByRole('listitem').filter({ hasText: door1 })).toContainText('Occupied', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Out of service A24' }).click();
  await page.getByRole('dialog').getByLabel('Reason (required)').fill('door sticks, technician booked');
  await page.getByRole('dialog').getByRole('button', { name: 'Send to the kiosk' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Out of service A24' })).toContainText('Done', { timeout: 40_000 });
  await expect(grid.getByRole('listitem').filter({ hasText: 'A24' })).toContainText('Out of service', { timeout: 10_000 });
  await check(page, 'walkthrough-2-kiosk');
  await page.getByRole('button', { name: 'Back in service A24' }).click();
  await page.getByRole('dialog').getByLabel('Reason (required)').fill('fixed');
  await page.getByRole('dialog').getByRole('button', { name: 'Send to the kiosk' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Back in service A24' })).toContainText('Done', { timeout: 40_000 });

  // 3. Parcels: find the first by the recipient's phone, send a new code, extend it; cancel one never delivered.
  await go(page, 'Parcels');
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill('+48 500 100 201');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('row').filter({ hasText: p1! }).getByRole('button', { name: p1! }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${p1} · deposited` })).toBeVisible();
  const before = kioskDigest(demo, p1!);
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Send a new code' }).click();
  await expect(page.getByRole('status')).toContainText('The old code stops opening the locker as soon as the kiosk syncs (usually within seconds; later if it is offline).');
  await expect.poll(() => codesFor(demo, p1!).length, { timeout: 30_000 }).toBe(2);
  const newCode = codesFor(demo, p1!)[1]!;
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Extend by 2 days' }).click();
  await expect(page.getByRole('status')).toContainText('The pickup window was extended.');
  await expect(page.locator('ol.timeline')).toContainText('code-reissued');
  await check(page, 'walkthrough-3-parcel');

  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(p5!);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('row').filter({ hasText: p5! }).getByRole('button', { name: p5! }).click();
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Cancel parcel' }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${p5} · cancelled` })).toBeVisible();

  // (At the kiosk: the old code fails once the kiosk has the new one; the new code opens; the customer reports a problem.)
  await expect.poll(() => kioskDigest(demo, p1!), { timeout: 40_000, message: 'the re-issue at the kiosk' }).not.toBe(before);
  const screen = await page.context().newPage();
  await screen.setViewportSize(PORTRAIT);
  await screen.goto(demo.kioskUrl);
  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, oldCode);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByTestId('error')).toContainText('That code is not valid');
  await typeCode(screen, newCode);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByRole('heading', { name: `Door ${door1} is open` })).toBeVisible();
  await screen.getByTestId('simulate-close').click();
  await screen.getByRole('button', { name: 'Report a problem' }).click();
  await screen.getByRole('button', { name: 'The parcel is damaged' }).click();
  await expect(screen.getByRole('heading', { name: /Your reference is/ })).toBeVisible();
  await screen.close();

  // 4. Problems and alarms: the customer's report arrives; acknowledge it with a note.
  await go(page, 'Problems and alarms');
  const report = page.locator('table.inbox tbody tr').filter({ hasText: 'parcel damaged' });
  await expect(async () => {
    await page.reload(); // the open items (new and acknowledged), read again
    await expect(report).toHaveCount(1, { timeout: 3_000 });
  }).toPass({ timeout: 40_000 });
  await report.getByRole('textbox').fill('calling the recipient');
  await report.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(report).toContainText(`Acknowledged by ${email}`);
  await check(page, 'walkthrough-4-inbox');

  // 5. Alerts: a rule is there to configure (admins).
  await go(page, 'Alerts and webhooks');
  await check(page, 'walkthrough-5-alerts');

  // 6. Badges and enrollment: a driver badge as a QR to print, and an enrollment token for a new kiosk.
  await go(page, 'Badges and enrollment');
  await page.getByLabel('Name on the badge').fill('Dana Driver');
  await page.getByLabel('Role').selectOption('driver');
  await page.getByRole('button', { name: 'Issue badge' }).click();
  await expect(page.getByRole('img', { name: "QR code of Dana Driver's driver badge" })).toBeVisible();
  await page.getByRole('button', { name: 'Create enrollment token' }).click();
  await expect(page.getByRole('img', { name: 'QR code of the enrollment token' })).toBeVisible();
  await check(page, 'walkthrough-6-badges');

  // 7. Analytics, and the audit log of everything done above.
  await go(page, 'Analytics');
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  await check(page, 'walkthrough-7-analytics');
  await go(page, 'Audit log');
  for (const action of ['parcel.resend', 'parcel.extend', 'parcel.cancel', 'problem.acknowledge', 'badge.issue']) await expect(page.getByRole('row').filter({ hasText: action }).first()).toBeVisible();
});
