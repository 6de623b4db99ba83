import { expect, test, type Page } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * The kiosk page (issue 12, ADR remote-commands) in Chromium against a real fleet server (`npm run server`): the
 * compartment grid from the kiosk's heartbeat, the admin's remote door open behind a reason and a confirmation, the
 * command history with the kiosk's result, and support's limits. The kiosk side is the enrolled kiosk's signed
 * requests (a real kiosk core running the command is tests/sync/remote-commands.test.ts).
 */

let fleet: ConsoleFleet;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** A signed request as the enrolled kiosk. */
async function asKiosk(method: 'GET' | 'POST', p: string, body?: unknown): Promise<Record<string, unknown>> {
  const raw = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method, path: p, ...(raw ? { body: raw } : {}) });
  if (raw) headers['content-type'] = 'application/json';
  const r = await fetch(fleet.url + p, { method, headers, ...(raw ? { body: raw } : {}) });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

const GRID = [
  { id: 'A01', size: 'S', status: 'occupied', door: 'closed' },
  { id: 'A02', size: 'S', status: 'free', door: 'closed' },
  { id: 'A03', size: 'M', status: 'out_of_service', door: 'closed' },
  { id: 'A04', size: 'L', status: 'expired', door: 'closed' },
];
const heartbeat = () => asKiosk('POST', `/v1/kiosks/${fleet.kioskId}/heartbeat`, { freeBySize: { S: 1, M: 0, L: 0, XL: 0 }, faults: [], outboxDepth: 0, version: '0.1.0', compartments: GRID });

/** Signs in from the console's start and waits for the kiosks list. */
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await openSignedIn(page, fleet.url, email, password);
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
}

test('an admin opens a door from the kiosk page: reason, confirmation, the kiosk gets the signed command, the result shows', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await heartbeat();
  await signIn(page, fleet.admin.email, fleet.admin.password);
  await page.getByRole('link', { name: fleet.kioskId }).click();
  const grid = page.getByRole('list', { name: 'Compartments' });
  await expect(grid.getByRole('listitem')).toHaveCount(4);
  await expect(grid.getByRole('listitem').filter({ hasText: 'A03' })).toContainText('Out of service');
  await check(page, '20-kiosk-page');

  await page.getByRole('button', { name: 'Open door A02' }).click();
  const dialog = page.getByRole('dialog', { name: 'Open door A02?' });
  await expect(dialog).toContainText('unlocks at the kiosk within seconds');
  const confirm = dialog.getByRole('button', { name: 'Yes, open door A02' });
  await expect(confirm).toBeDisabled(); // no reason, no command
  await dialog.getByLabel('Reason (required)').fill('customer locked out, ticket 4411');
  await check(page, '21-kiosk-open-door-dialog');
  await confirm.click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: 'Open door A02' });
  await expect(row).toContainText('Waiting for the kiosk');
  await expect(row).toContainText('customer locked out, ticket 4411');

  // The kiosk fetches it (signed, for this kiosk) and reports it ran.
  const queue = (await asKiosk('GET', `/v1/kiosks/${fleet.kioskId}/commands`)) as { commands: Array<{ commandId: string; token: string }> };
  expect(queue.commands).toHaveLength(1);
  expect(queue.commands[0]!.token).toMatch(/^LKC1\./);
  await asKiosk('POST', `/v1/kiosks/${fleet.kioskId}/events`, {
    events: [{ id: crypto.randomUUID(), type: 'command.result', occurredAt: new Date().toISOString(), payload: { commandId: queue.commands[0]!.commandId, outcome: 'executed', compartmentId: 'A02' } }],
  });
  await expect(row).toContainText('Done');

  // Cancel leaves nothing behind.
  await page.getByRole('button', { name: 'Out of service A02' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: 'Out of service A02' })).toHaveCount(0);
  await check(page, '22-kiosk-command-done');
});

test('support sees the kiosk page but has no door or service buttons, and the server refuses the door anyway', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  const support = { email: 'sam@example.com', password: 'support password 123' };
  const admin = await fetch(fleet.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fleet.admin) });
  const cookie = /^([^;]+)/.exec(admin.headers.get('set-cookie') ?? '')![1]!;
  const { csrfToken } = (await admin.json()) as { csrfToken: string };
  const made = await fetch(fleet.url + '/console/api/operators', {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ ...support, name: 'Sam Support', role: 'support' }),
  });
  expect(made.status).toBe(201);

  await signIn(page, support.email, support.password);
  await page.getByRole('link', { name: fleet.kioskId }).click();
  await expect(page.getByRole('list', { name: 'Compartments' }).getByRole('listitem')).toHaveCount(4);
  await expect(page.getByRole('button', { name: /Open door/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /service/ })).toHaveCount(0);
  const refused = await page.evaluate(async (kioskId) => {
    const s = (await (await fetch('/console/api/session')).json()) as { csrfToken: string };
    const r = await fetch(`/console/api/kiosks/${kioskId}/door-open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
      body: JSON.stringify({ compartmentId: 'A02', reason: 'just trying', confirm: true }),
    });
    return r.status;
  }, fleet.kioskId);
  expect(refused).toBe(403);
  await check(page, '23-kiosk-page-support');
});
