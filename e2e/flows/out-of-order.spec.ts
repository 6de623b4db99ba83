import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { KioskProcess } from '../kiosk-process';
import { expectAccessible, PORTRAIT, shoot } from './helpers';

/**
 * Disk full (issue 9 §1): the kiosk's data dir on a real 8 MiB tmpfs, filled up while it runs. The next write fails,
 * and the screen says "temporarily out of order" instead of offering pickups; when space returns it comes back by
 * itself. Needs root to mount a tmpfs: skipped with the reason where that is not allowed (the store-level cases run
 * everywhere in tests/core/store-full.test.ts with SQLite's max_page_count).
 */
test.use({ viewport: PORTRAIT });

test('a full disk shows "temporarily out of order", and the kiosk comes back by itself when space returns', async ({ page }, info) => {
  test.skip(info.project.name !== 'host', 'host-mode kiosk on a tmpfs; the Electron project has its own window');
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    test.skip(true, `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]})`);
  }
  // The disk reserve (ADR 0024) at its floor, 1 MiB: the tmpfs is 8 MiB, so the default 256 MiB reserve would refuse
  // work from the start; here it is the write itself that meets the full disk.
  const kiosk = new KioskProcess(['--data-dir', path.join(mnt, 'data'), '--disk.reserveMiB', '1']);
  try {
    await kiosk.start();
    await page.goto(kiosk.url);
    await expect(page.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();
    // Fill what is left of the disk, then make the kiosk write (a wrong code is a durable write).
    const filler = path.join(mnt, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
    } catch {
      // dd stops with "No space left on device": that is the point
    }
    await expect
      .poll(async () => (await kiosk.call('pickupSubmitCode', { code: '000000' })).ok === false && JSON.stringify(await kiosk.call('kioskInfo', {})).includes('"store":"full"'), { timeout: 30_000 })
      .toBe(true);
    const screen = page.getByTestId('out-of-order');
    await expect(screen).toBeVisible();
    await expect(screen.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Pick up a parcel' })).toHaveCount(0);
    // The footer no longer offers free compartments nobody can use.
    await expect(page.getByTestId('free-status')).toHaveText('Temporarily out of order');
    await expectAccessible(page, 'out of order');
    await shoot(page, info, '50-out-of-order');

    fs.rmSync(filler);
    await expect(screen).toBeHidden({ timeout: 30_000 });
    await expect(page.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();
  } finally {
    await kiosk.stop().catch(() => {});
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    } catch {
      // not mounted
    }
  }
});
