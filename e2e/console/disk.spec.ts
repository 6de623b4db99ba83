import { expect, test } from '@playwright/test';
import { signRequest } from '../../src-common/signing';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';
import { VIEWPORTS, check, openSignedIn } from './helpers';

/**
 * The kiosk's disk in the console (issue 14, ADR 0024) in Chromium against a real fleet server (`npm run server`): the
 * heartbeat's `disk` shows in the kiosks list and on the kiosk's page, "Low" in the alarm colour when the kiosk is under
 * its reserve, and the `disk.low` inbox item on the kiosk's page. The kiosk side is the enrolled kiosk's signed heartbeat
 * (a real kiosk core sending it is tests/sync/disk-low.test.ts).
 */
let fleet: ConsoleFleet;
test.beforeAll(async () => {
  fleet = await startConsoleFleet();
});
test.afterAll(async () => {
  await fleet?.stop();
});

const MiB = 1024 * 1024;

async function heartbeat(freeMiB: number): Promise<void> {
  const p = `/v1/kiosks/${fleet.kioskId}/heartbeat`;
  const disk = { dataDirBytes: 61 * MiB, freeBytes: freeMiB * MiB, totalBytes: 30 * 1024 * MiB, reserveBytes: 256 * MiB, low: freeMiB < 256 };
  const raw = JSON.stringify({ freeBySize: { S: 1, M: 0, L: 0, XL: 0 }, faults: [], outboxDepth: 0, version: '0.1.0', disk });
  const headers = { ...signRequest({ kioskId: fleet.kioskId, secret: Buffer.from(fleet.kioskSecret, 'base64'), method: 'POST', path: p, body: raw }), 'content-type': 'application/json' };
  const r = await fetch(fleet.url + p, { method: 'POST', headers, body: raw });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
}

test('the kiosks list and the kiosk page show the disk; a kiosk under its reserve reads "Low"', async ({ page }) => {
  await page.setViewportSize(VIEWPORTS.desktop);
  await heartbeat(180);
  await openSignedIn(page, fleet.url, fleet.admin.email, fleet.admin.password);
  const row = page.getByRole('row').filter({ hasText: fleet.kioskId });
  await expect(row.getByTestId('disk-use')).toHaveText('Low · 180 MiB free of 30.0 GiB · data 61 MiB (reserve 256 MiB)');
  await check(page, '60-kiosks-disk-low');

  await page.getByRole('link', { name: fleet.kioskId }).click();
  await expect(page.getByTestId('disk-use')).toContainText('Low · 180 MiB free');
  await check(page, '61-kiosk-page-disk-low');

  await heartbeat(4096);
  await expect(page.getByTestId('disk-use')).toHaveText('4096 MiB free of 30.0 GiB · data 61 MiB', { timeout: 10_000 });
});
