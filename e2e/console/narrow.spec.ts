import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { submitSignIn } from './helpers';

/**
 * Red-team finding B: the console on a phone. Every page (the navigation bar's, a kiosk's, a parcel's, sign-in and
 * "Change my password") at 360×740, each with something in its tables (a badge, a carrier key with a webhook, an
 * operator, a problem report, a parcel), must not scroll sideways: `scrollWidth <= clientWidth` of the document (a
 * table may scroll inside its own box), and every control a finger uses is at least 44 px high. A screenshot of each
 * goes to e2e/screenshots/console-narrow-*.png.
 */
const NARROW = { width: 360, height: 740 };
const SHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');
const BARCODE = 'NARROW-0001';
let fleet: ConsoleFleet;

/** A console session over HTTP (cookie + CSRF token), to fill the tables before the page looks at them. */
async function consoleApi(): Promise<(method: string, p: string, body?: unknown) => Promise<Record<string, string>>> {
  const r = await fetch(`${fleet.url}/console/api/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fleet.admin) });
  const cookie = /^([^;]+)/.exec(r.headers.get('set-cookie')!)![1]!;
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return async (method, p, body) => {
    const res = await fetch(`${fleet.url}/console/api/${p}`, { method, headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
}

test.beforeAll(async () => {
  fleet = await startConsoleFleet();
  const call = await consoleApi();
  await call('POST', 'badges', { name: 'Dominika Driver-Kowalska', role: 'driver', ttlHours: 720 });
  const key = await call('POST', 'carrier-keys', { carrier: 'Acme Parcel Logistics', kiosks: [fleet.kioskId] });
  await call('PUT', `carrier-keys/${key.id}/webhook`, { url: 'https://hooks.example.com/locker/status-updates' });
  await call('POST', 'operators', { email: 'sam.support.desk@example.com', name: 'Sam Support', role: 'support', password: 'correct horse battery' });
  const ship = await fetch(`${fleet.url}/v1/shipments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode: BARCODE, size: 'S', kioskId: fleet.kioskId, recipient: { name: 'Ada', email: 'ada.lovelace@example.com' } }),
  });
  if (!ship.ok) throw new Error(`shipment: ${ship.status}`);
  const p = `/v1/kiosks/${fleet.kioskId}/events`;
  const body = JSON.stringify({ events: [{ id: randomUUID(), occurredAt: new Date().toISOString(), type: 'problem.reported', payload: { kind: 'damaged', compartmentId: 'A01', note: 'The door of A01 is bent' } }] });
  const headers = { ...signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method: 'POST', path: p, body }), 'content-type': 'application/json' };
  const ev = await fetch(fleet.url + p, { method: 'POST', headers, body });
  if (!ev.ok) throw new Error(`events: ${ev.status} ${await ev.text()}`);
});
test.afterAll(async () => {
  await fleet?.stop();
});

/** Nothing wider than the window; every visible control at least 44 px high; a screenshot. Failures are collected. */
async function fits(page: Page, name: string, problems: string[]): Promise<void> {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (wide > 0) problems.push(`${name}: wider than the window by ${wide}px`);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, nav a, a.account, td a, p > a:only-child, label:has(> input[type=checkbox])')]
      .filter((e) => e.offsetParent !== null && !e.closest('.uplot'))
      .map((e) => ({ what: `${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('aria-label') || e.id).trim().slice(0, 30)}"`, h: e.getBoundingClientRect().height }))
      .filter((c) => c.h < 44)
      .map((c) => `${c.what} ${Math.round(c.h)}px`),
  );
  if (small.length) problems.push(`${name}: under 44 px: ${small.join(', ')}`);
  await page.screenshot({ path: path.join(SHOTS, `console-narrow-${name}.png`), fullPage: true, animations: 'disabled' });
}

test('every console page fits a 360 px wide phone: no sideways scroll of the page, 44 px touch targets', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize(NARROW);
  const problems: string[] = [];
  await page.goto(`${fleet.url}/console/`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await fits(page, 'sign-in', problems);
  await submitSignIn(page, fleet.admin.email, fleet.admin.password);

  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link')).not.toHaveCount(0);
  const names = (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
  expect(names.length).toBeGreaterThanOrEqual(9);
  for (const name of names) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { name, level: 1, exact: true })).toBeVisible();
    if (name === 'Parcels') {
      await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(BARCODE);
      await page.getByRole('button', { name: 'Search' }).click();
      await expect(page.getByRole('row').filter({ hasText: BARCODE })).toHaveCount(1);
    }
    await fits(page, slug(name), problems);
  }

  await nav.getByRole('link', { name: 'Parcels', exact: true }).click();
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(BARCODE);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('row').filter({ hasText: BARCODE }).getByRole('button', { name: BARCODE }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · expected` })).toBeVisible();
  await fits(page, 'parcel', problems);

  await nav.getByRole('link', { name: 'Kiosks', exact: true }).click();
  await page.getByRole('link', { name: fleet.kioskId }).click();
  await expect(page.getByRole('heading', { name: `Kiosk ${fleet.kioskId}` })).toBeVisible();
  await fits(page, 'kiosk', problems);

  await page.getByRole('link', { name: 'Change my password' }).click();
  await expect(page.getByRole('heading', { name: 'Change my password', level: 1 })).toBeVisible();
  await fits(page, 'change-password', problems);

  expect(problems).toEqual([]);
});

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
