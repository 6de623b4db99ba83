import { expect, test } from '../fixtures';
import { codeFor, demo, deposit, expectAccessible, PORTRAIT, shoot, typeCode } from './helpers';

test.use({ viewport: PORTRAIT });

/**
 * Red-team finding 1 (issue 9 §2): "Door closed too soon? Reopen" opened the door with no code for whoever pressed it
 * next, and chained. Now no door opens without the code: the button leads back to code entry for the same door, and
 * the code (within grace) reopens it.
 */
test('"Door closed too soon?" opens nothing by itself: it asks for the code again, and the code reopens the same door', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[2]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);

  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, code);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  await screen.getByTestId('simulate-close').click();
  // This screen is shot as 05-pickup-done by pickup.spec.ts.
  await expect(screen.getByRole('heading', { name: `Thank you! Door ${door} is closed` })).toBeVisible();

  await screen.getByRole('button', { name: 'Door closed too soon?' }).click();
  await expect(screen.getByRole('heading', { name: `Enter your code again to reopen door ${door}` })).toBeVisible();
  await expect(screen.getByTestId('reenter-hint')).toHaveText('Used a QR code? Scan it again.');
  // Pressing it opened no door: nothing is in progress at the kiosk.
  const inProgress = await kiosk.call<{ operations: unknown[] }>('operationsInProgress', {});
  expect(inProgress).toMatchObject({ ok: true, value: { operations: [] } });
  await expectAccessible(screen, 'enter the code again');
  await shoot(screen, info, '05b-pickup-reenter-code');

  await typeCode(screen, code);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
});
