import { expect, test } from '../fixtures';
import { codeFor, demo, deposit, expectAccessible, PORTRAIT, shoot, typeCode } from './helpers';

test.use({ viewport: PORTRAIT });

test('a jammed door gives the customer a reference and a way to report it', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);
  await kiosk.call('simDoor', { compartmentId: door, action: 'jam' });

  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, code);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByTestId('door-fault')).toContainText(/reference \S+/, { timeout: 20_000 });
  await expectAccessible(screen, 'door fault');
  await shoot(screen, info, '09-pickup-door-fault');
  await expect(screen.getByRole('button', { name: 'Report a problem' })).toBeVisible();
});

test('left alone, a visit asks "Are you still there?" and then returns home', async ({ kioskPage: screen }, info) => {
  // Take over the page's timers, then reload (the session token survives in sessionStorage).
  await screen.clock.install();
  await screen.reload();
  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await expect(screen.getByRole('heading', { name: 'Enter your 6-digit pickup code' })).toBeVisible();
  await screen.clock.fastForward(61_000);
  const dialog = screen.getByRole('alertdialog', { name: 'Are you still there?' });
  await expect(dialog).toBeVisible();
  await expectAccessible(screen, 'idle question');
  await shoot(screen, info, '14-idle-question');
  await screen.clock.fastForward(11_000);
  await expect(dialog).toBeHidden();
  await expect(screen.getByRole('heading', { name: 'What would you like to do?' })).toBeVisible();
});
