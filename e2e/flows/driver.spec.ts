import { expect, test } from '../fixtures';
import { codeFor, demo, deposit, expectAccessible, PORTRAIT, scan, shoot } from './helpers';

test.use({ viewport: PORTRAIT });

test('a driver delivers three parcels, one of which does not fit the first compartment', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const [first, second, third] = d.parcels;
  await screen.getByRole('button', { name: 'Pick up a parcel' }).waitFor();
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.driver);
  await expect(screen.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
  await expect(screen.getByTestId('delivered-count')).toHaveText('Nothing delivered yet');
  await expectAccessible(screen, 'driver ready');
  await shoot(screen, info, '10-driver-ready');

  const panel = screen.getByTestId('door-panel');
  const doorOf = async () => (await panel.getAttribute('data-door'))!;

  await scan(screen, first!.barcode);
  await expect(panel).toBeVisible();
  await expect(screen.getByText(`Put parcel ${first!.barcode} in door`)).toBeVisible();
  await expectAccessible(screen, 'driver door open');
  await shoot(screen, info, '11-driver-door-open');
  await screen.getByTestId('simulate-close').click();
  await expect(screen.getByTestId('delivered-count')).toHaveText('1 parcel delivered this visit');

  await scan(screen, second!.barcode);
  await expect(panel).toBeVisible();
  const tooSmall = await doorOf();
  await screen.getByRole('button', { name: "Doesn't fit" }).click();
  await expect(panel).not.toHaveAttribute('data-door', tooSmall);
  const bigger = await doorOf();
  expect(bigger).not.toBe(tooSmall);
  await screen.getByTestId('simulate-close').click();
  await expect(screen.getByTestId('delivered-count')).toHaveText('2 parcels delivered this visit');

  await scan(screen, third!.barcode);
  await expect(panel).toBeVisible();
  await screen.getByTestId('simulate-close').click();
  await expect(screen.getByTestId('delivered-count')).toHaveText('3 parcels delivered this visit');
  const list = screen.getByTestId('delivered-list');
  for (const p of [first!, second!, third!]) await expect(list).toContainText(p.barcode);
  await expect(list).toContainText(bigger);
  await shoot(screen, info, '12-driver-delivered');

  await screen.getByRole('button', { name: 'Collect expired parcels' }).click();
  await expect(screen.getByRole('heading', { name: 'Collect expired parcels' })).toBeVisible();
  await expect(screen.getByText('No expired parcels here')).toBeVisible();
  await expectAccessible(screen, 'collection');
  await shoot(screen, info, '13-collection');
  await screen.getByRole('button', { name: 'Back to drop-off' }).click();
  await screen.getByRole('button', { name: 'Done' }).click();
  await expect(screen.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();
});

test('an unknown parcel is refused with a clear message', async ({ kioskPage: screen, kiosk }) => {
  const d = await demo(kiosk);
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.driver);
  await expect(screen.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
  await scan(screen, 'NOT-EXPECTED-1');
  await expect(screen.getByTestId('error')).toContainText('not expected at this locker');
});

test('a parcel delivered and since picked up is not "already in the locker" when scanned again', async ({ kioskPage: screen, kiosk }) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);
  const picked = await kiosk.call<{ operationId: string }>('pickupSubmitCode', { code });
  expect(picked.ok).toBe(true);
  await kiosk.call('simDoor', { compartmentId: door, action: 'open' });
  await kiosk.call('simDoor', { compartmentId: door, action: 'remove-item' });
  await kiosk.call('simDoor', { compartmentId: door, action: 'close' });
  await expect.poll(async () => JSON.stringify(await kiosk.call('operationsInProgress', {}))).not.toContain(door);

  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.driver);
  await expect(screen.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
  await scan(screen, parcel.barcode);
  await expect(screen.getByTestId('error')).toContainText('already delivered here and has been picked up');
  await expect(screen.getByTestId('error')).not.toContainText('already in the locker');
});
