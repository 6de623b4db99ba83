import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startSmtpSink } from '../../tests/server/sinks';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * Alert rules and carrier webhooks in Chromium against a real fleet server (issue 12, ADR alerts-webhooks): an admin
 * turns on the forced-door rule, the kiosk reports a forced door, the alert reaches a real SMTP sink and the console's
 * alert log says so; the admin gives a carrier key a webhook, a deposit of that carrier's parcel reaches a real local
 * receiver and the delivery log says so.
 */

let fleet: ConsoleFleet;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
const hooks: Array<{ signature: string; body: string }> = [];
const receiver = http.createServer((rq, rs) => {
  let body = '';
  rq.on('data', (c: Buffer) => (body += c.toString('utf8')));
  rq.on('end', () => {
    hooks.push({ signature: String(rq.headers['x-locker-signature']), body });
    rs.end();
  });
});
let receiverUrl = '';

test.beforeAll(async () => {
  smtp = await startSmtpSink();
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/locker-events`;
  fleet = await startConsoleFleet({ args: ['--smtp-url', smtp.url] });
});
test.afterAll(async () => {
  await fleet?.stop();
  await smtp?.close();
  await new Promise((r) => receiver.close(r));
});

/** What the kiosk sends: signed events over the sync API. */
async function kioskEvents(events: unknown[]): Promise<void> {
  const p = `/v1/kiosks/${fleet.kioskId}/events`;
  const body = JSON.stringify({ events });
  const headers = { ...signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method: 'POST', path: p, body }), 'content-type': 'application/json' };
  const r = await fetch(fleet.url + p, { method: 'POST', headers, body });
  expect(r.status).toBe(200);
}

test('an admin turns on an alert rule and sees the alert delivered; gives a carrier a webhook and sees its delivery', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password, '#/alerts');
  await expect(page.getByRole('heading', { name: 'Alerts and webhooks', level: 1 })).toBeVisible();
  // Low disk is a rule like the others now that kiosks report their free space (issue 14, ADR 0024).
  await expect(page.getByRole('form', { name: /^Low disk/ }).getByLabel('Enabled')).toBeEnabled();

  const rule = page.getByRole('form', { name: 'Door forced open' });
  await rule.getByLabel('Enabled').check();
  await rule.getByLabel('Recipients').fill('noc@example.com');
  await rule.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved: Door forced open');

  await kioskEvents([{ id: randomUUID(), type: 'door.forced_open', occurredAt: new Date().toISOString(), payload: { compartmentId: 'A03' } }]);
  await expect.poll(() => smtp.mails.length, { timeout: 15_000 }).toBe(1);
  expect(smtp.mails[0]!.to).toEqual(['noc@example.com']);
  const log = page.locator('table.alert-log tbody tr');
  await expect(log).toHaveCount(1, { timeout: 15_000 });
  await expect(log.first()).toContainText(`Door forced open at kiosk ${fleet.kioskId} (compartment A03)`);
  await expect(log.first()).toContainText('noc@example.com (smtp): sent', { timeout: 15_000 });

  // A carrier key (through the console), then its webhook.
  await page.goto(fleet.url + '/console/#/carrier-keys');
  await page.getByLabel('Carrier', { exact: true }).fill('Acme Parcels');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.locator('code.secret').textContent())!;
  expect(key).toMatch(/^lkc_/);
  await page.goto(fleet.url + '/console/#/alerts');
  const hook = page.getByRole('form', { name: /^Webhook for Acme Parcels/ });
  await hook.getByLabel('URL').fill(receiverUrl);
  await hook.getByRole('button', { name: 'Set webhook' }).click();
  await expect(page.getByText('The signing secret for')).toBeVisible();
  const secret = (await page.locator('code.secret').textContent())!;
  expect(secret).toMatch(/^whsec_/);

  const shipped = await fetch(fleet.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode: 'ACME-E2E-1', size: 'S', kioskId: fleet.kioskId, recipient: { email: 'r@example.com' } }),
  });
  expect(shipped.status).toBe(201);
  const { parcelId } = (await shipped.json()) as { parcelId: string };
  const at = Date.now();
  await kioskEvents([{ id: randomUUID(), type: 'parcel.deposited', occurredAt: new Date(at).toISOString(), payload: { parcelId, barcode: 'ACME-E2E-1', compartmentId: 'A01', size: 'S', expiresAt: new Date(at + 3 * 86400_000).toISOString() } }]);
  await expect.poll(() => hooks.length, { timeout: 15_000 }).toBe(1);
  expect(JSON.parse(hooks[0]!.body)).toMatchObject({ type: 'parcel.deposited', parcel: { barcode: 'ACME-E2E-1', status: 'deposited' } });
  expect(hooks[0]!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  const row = page.locator('table.deliveries tbody tr');
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await expect(row.first()).toContainText('Acme Parcels');
  await expect(row.first()).toContainText('ACME-E2E-1');
  await expect(row.first()).toContainText('sent, 1 attempt, HTTP 200', { timeout: 15_000 });

  await check(page, 'alerts');
});
