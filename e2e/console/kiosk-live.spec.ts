import { expect, test, type Page } from '@playwright/test';
import { deposit, expectAccessible, PORTRAIT, shoot, typeCode } from '../flows/helpers';
import { VIEWPORTS, check, openSignedIn } from './helpers';
import { startLiveNetwork, type LiveNetwork } from './live-network';

/**
 * The console's actions reaching a real kiosk (issue 12, "each action end to end"): a real fleet server with push and
 * e-mail, a real Mosquitto, and a host-mode kiosk process enrolled with it, whose own screen is a second Chromium page.
 * Nothing here shortens a kiosk timer: each change arrives within seconds because the server's MQTT ping says so.
 */
const BARCODE = 'LIVE-0001';

let net: LiveNetwork;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  test.setTimeout(120_000);
  net = await startLiveNetwork();
});
test.afterAll(async () => {
  await net?.stop();
});

/** Signs in as the fleet's admin and opens the enrolled kiosk's page once the console lists it as push-connected. */
async function openKioskPage(page: Page): Promise<void> {
  await page.setViewportSize(VIEWPORTS.desktop);
  await openSignedIn(page, net.fleet.url, net.fleet.admin.email, net.fleet.admin.password);
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: net.kioskId });
  // The list refreshes every 10 s; a reload asks again at once.
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText('push connected', { timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await row.getByRole('link', { name: net.kioskId }).click();
  await expect(page.getByRole('list', { name: 'Compartments' }).getByRole('listitem')).not.toHaveCount(0);
}

/** The kiosk's own screen (host mode), portrait, on its start screen. */
async function kioskScreen(page: Page): Promise<Page> {
  const screen = await page.context().newPage();
  await screen.setViewportSize(PORTRAIT);
  await screen.goto(net.kiosk.url);
  await expect(screen.getByTestId('kiosk-info')).toContainText('Doors working');
  return screen;
}

test('resend: the operator sends a new code in the console; at the kiosk the old code fails and the new one opens the door', async ({ page }, info) => {
  test.setTimeout(120_000);
  const { parcelId } = await net.adminPost<{ parcelId: string }>('/v1/shipments', { barcode: BARCODE, size: 'S', kioskId: net.kioskId, recipient: { email: 'ada@example.com' } });
  expect(parcelId).toBeTruthy();
  const driver = await net.adminPost<{ token: string }>('/v1/badges', { role: 'driver', name: 'Dana Driver', ttlHours: 24 });
  const door = await deposit(net.kiosk, driver.token, BARCODE);
  await expect.poll(() => net.codesMailed().length, { timeout: 20_000, message: 'the first code e-mailed after the deposit' }).toBe(1);
  const oldCode = net.codesMailed()[0]!;
  const oldDigest = net.kioskCodeDigest(BARCODE);
  expect(oldDigest).toBeTruthy();

  await openSignedIn(page, net.fleet.url, net.fleet.admin.email, net.fleet.admin.password, '#/parcels');
  await page.getByLabel('Barcode, phone, e-mail or kiosk id').fill(BARCODE);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('row').filter({ hasText: BARCODE }).getByRole('button', { name: BARCODE }).click();
  await expect(page.getByRole('heading', { name: `Parcel ${BARCODE} · deposited` })).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Send a new code' }).click();
  await expect(page.getByRole('status')).toContainText('The old code stops opening the locker as soon as the kiosk syncs (usually within seconds; later if it is offline).');
  await expect.poll(() => net.codesMailed().length, { timeout: 20_000, message: 'the new code e-mailed' }).toBe(2);
  const newCode = net.codesMailed()[1]!;
  expect(newCode).not.toBe(oldCode);
  // The kiosk has the new digest (its manifest pull after the server's ping), well before its 15 s poll would matter.
  await expect.poll(() => net.kioskCodeDigest(BARCODE), { timeout: 10_000, message: 'the re-issue applied at the kiosk' }).not.toBe(oldDigest);

  const screen = await kioskScreen(page);
  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, oldCode);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByTestId('error')).toContainText('That code is not valid');
  await expectAccessible(screen, 'old code refused');
  await shoot(screen, info, '60-live-old-code-refused');

  await typeCode(screen, newCode);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  await screen.getByTestId('simulate-close').click();
  await expect(screen.getByRole('heading', { name: `Thank you! Door ${door} is closed` })).toBeVisible();

  // The pickup reaches the console: the parcel's status, searched again.
  await expect(async () => {
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('row').filter({ hasText: BARCODE })).toContainText('picked', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await screen.close();
});

test('remote open: an admin opens a door with a reason and a confirmation; the kiosk opens it and the console shows its result', async ({ page }) => {
  await openKioskPage(page);
  const screen = await kioskScreen(page);

  await page.getByRole('button', { name: 'Open door A03' }).click();
  const dialog = page.getByRole('dialog', { name: 'Open door A03?' });
  await dialog.getByLabel('Reason (required)').fill('technician check, ticket 5120');
  await dialog.getByRole('button', { name: 'Yes, open door A03' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: 'Open door A03' });
  await expect(row).toContainText('technician check, ticket 5120');

  // The kiosk's door journal (what its screen asks after a reload) has the door open; its screen says to close it.
  await expect
    .poll(async () => {
      const r = await net.kiosk.call<{ operations: Array<{ compartmentId: string; purpose: string; state: string }> }>('operationsInProgress');
      return r.ok ? r.value.operations.find((o) => o.compartmentId === 'A03') : r.error;
    }, { timeout: 10_000, message: 'the kiosk to open A03' })
    .toMatchObject({ purpose: 'maintenance', state: 'opened' });
  await expect(row).toContainText('Done', { timeout: 10_000 });
  await check(page, 'live-remote-open-done');

  await screen.reload();
  // A remote open is a maintenance operation (purpose 'maintenance'): the screen speaks for it (red team 10, finding 2).
  await expect(screen.getByRole('heading', { name: 'Door A03 is open for service: close it' })).toBeVisible();
  await screen.getByTestId('simulate-close').click();
  await expect(screen.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();
  await expect
    .poll(async () => {
      const r = await net.kiosk.call<{ operations: unknown[] }>('operationsInProgress');
      return r.ok ? r.value.operations.length : -1;
    })
    .toBe(0);
  await screen.close();
});

test('out of service: taking a compartment out in the console reaches the kiosk, whose free count drops by one', async ({ page }) => {
  await openKioskPage(page);
  const screen = await kioskScreen(page);
  const free = screen.getByTestId('free-status');
  const before = Number(/(\d+) free/.exec((await free.textContent()) ?? '')?.[1]);
  expect(before).toBeGreaterThan(0);
  const cell = page.getByRole('list', { name: 'Compartments' }).getByRole('listitem').filter({ hasText: 'A05' });
  await expect(cell).toContainText('Free');

  await page.getByRole('button', { name: 'Out of service A05' }).click();
  const dialog = page.getByRole('dialog', { name: 'Take A05 out of service?' });
  await dialog.getByLabel('Reason (required)').fill('door sticks');
  await dialog.getByRole('button', { name: 'Send to the kiosk' }).click();
  await expect(dialog).toBeHidden();

  await expect(free).toHaveText(`${before - 1} free compartments`, { timeout: 10_000 });
  await expect(page.getByRole('row').filter({ hasText: 'Out of service A05' })).toContainText('Done', { timeout: 10_000 });
  await expect(cell).toContainText('Out of service', { timeout: 10_000 });
  await expect(page.getByRole('button', { name: 'Back in service A05' })).toBeVisible();
  await check(page, 'live-out-of-service');
  await screen.close();
});
