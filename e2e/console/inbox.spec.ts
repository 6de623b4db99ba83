import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * The problems and alarms inbox in Chromium against a real fleet server (issue 12): a kiosk reports a customer problem
 * and door alarms over the signed sync API; an admin acknowledges one with a note and resolves it.
 */
const HOSTILE_NOTE = '<img src=x onerror="window.__pwned=1">crushed';

let fleet: ConsoleFleet;
let kioskId: string;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
  kioskId = await kioskWithAlarms(fleet);
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** Enrolls a second kiosk and sends, as it would, a customer report and two door alarms (oldest first). */
async function kioskWithAlarms(f: ConsoleFleet): Promise<string> {
  const post = async (p: string, body: unknown, headers: Record<string, string>) => {
    const r = await fetch(f.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, string>>;
  };
  const { enrollmentToken } = await post('/v1/enrollment-tokens', {}, { authorization: `Bearer ${f.adminKey}` });
  const creds = await post('/v1/kiosks/enroll', { enrollmentToken, capacity: { S: 4, M: 3, L: 2, XL: 1 }, layoutName: 'Station' }, {});
  const id = creds.kioskId!;
  const t = Date.now() - 10 * 60_000;
  const ev = (type: string, payload: unknown, at: number) => ({ id: randomUUID(), type, occurredAt: new Date(at).toISOString(), payload });
  const events = [
    ev('problem.reported', { kind: 'damaged', compartmentId: 'A02', note: HOSTILE_NOTE }, t),
    ev('door.left_open', { compartmentId: 'B01', openForMs: 180_000 }, t + 60_000),
    ev('door.forced_open', { compartmentId: 'A03' }, t + 120_000),
  ];
  const p = `/v1/kiosks/${id}/events`;
  const body = JSON.stringify({ events });
  const headers = signRequest({ kioskId: id, secret: Buffer.from(creds.kioskSecret!, 'base64'), method: 'POST', path: p, body });
  await post(p, { events }, headers);
  return id;
}

test('an admin works an alarm through the inbox: new → acknowledged (with a note) → resolved, with who and when', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password, '#/inbox');

  await expect(page.getByRole('heading', { name: 'Problems and alarms', level: 1 })).toBeVisible();
  await page.getByLabel('Kiosk').selectOption(kioskId);
  const rows = page.locator('table.inbox tbody tr');
  await expect(rows).toHaveCount(3);
  // Newest first; the customer's note is shown as text, never run.
  await expect(rows.nth(0)).toContainText('Door forced open');
  await expect(rows.nth(1)).toContainText('Door left open');
  await expect(rows.nth(1)).toContainText('open 3 min');
  await expect(rows.nth(2)).toContainText('Customer report: parcel damaged');
  await expect(rows.nth(2)).toContainText(HOSTILE_NOTE);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('#root img').count()).toBe(0);
  await expect(page.getByRole('button', { name: /^New \(3\)/ })).toBeVisible();
  await check(page, '10-inbox-new');

  const forced = rows.filter({ hasText: 'Door forced open' });
  await forced.getByRole('textbox').fill('technician on the way');
  await forced.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(forced).toContainText(`Acknowledged by ${fleet.admin.email}`);
  await expect(forced).toContainText('technician on the way');
  await expect(forced.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^New \(2\)/ })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Acknowledged \(1\)/ })).toBeVisible();
  await check(page, '11-inbox-acknowledged');

  await forced.getByRole('button', { name: 'Resolve' }).click();
  await expect(rows).toHaveCount(2); // the open view: resolved items leave it
  await page.getByRole('button', { name: /^Resolved \(1\)/ }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.nth(0)).toContainText(`Acknowledged by ${fleet.admin.email}`);
  await expect(rows.nth(0)).toContainText(`Resolved by ${fleet.admin.email}`);
  await expect(rows.nth(0).getByRole('button')).toHaveCount(0);
  await check(page, '12-inbox-resolved');

  // Each move is in the operator audit log.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'problem.resolve' })).toHaveCount(1);
  await expect(page.getByRole('row').filter({ hasText: 'problem.acknowledge' })).toContainText('technician on the way');
});
