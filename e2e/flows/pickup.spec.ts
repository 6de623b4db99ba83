import { expect, test } from '../fixtures';
import { codeFor, demo, deposit, expectAccessible, PORTRAIT, scan, shoot, typeCode } from './helpers';

test.use({ viewport: PORTRAIT });

test('a customer picks up a parcel with the keypad, and the door screen shows where', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);

  await expect(screen.getByTestId('kiosk-info')).toContainText('Doors working');
  await expectAccessible(screen, 'attract');
  await shoot(screen, info, '01-attract');

  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await expect(screen.getByRole('heading', { name: 'What would you like to do?' })).toBeVisible();
  await expectAccessible(screen, 'home');
  await shoot(screen, info, '02-home');

  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, code.slice(0, 3));
  await expectAccessible(screen, 'keypad');
  await shoot(screen, info, '03-pickup-keypad');
  await typeCode(screen, code.slice(3));
  await screen.getByRole('button', { name: 'Open my door' }).click();

  await expect(screen.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
  await expect(screen.getByText('Take your parcel and close the door')).toBeVisible();
  await expect(screen.locator(`[data-testid="bank"] [data-compartment="${door}"]`)).toHaveClass(/target/);
  await expectAccessible(screen, 'door open');
  await shoot(screen, info, '04-pickup-door-open');

  // The demo control does what the customer does: take the parcel, shut the door.
  await screen.getByTestId('simulate-close').click();
  await expect(screen.getByRole('heading', { name: `Thank you! Door ${door} is closed` })).toBeVisible();
  await expect(screen.getByRole('button', { name: 'Door closed too soon? Reopen' })).toBeVisible();
  await expectAccessible(screen, 'pickup done');
  await shoot(screen, info, '05-pickup-done');

  await screen.getByRole('button', { name: 'Report a problem' }).click();
  await expectAccessible(screen, 'report a problem');
  await shoot(screen, info, '06-report-problem');
  await screen.getByRole('button', { name: 'The parcel is damaged' }).click();
  await expect(screen.getByRole('heading', { name: /Your reference is/ })).toBeVisible();
  // A finished visit hands the kiosk to the next person: attract, defaults restored.
  await screen.getByRole('button', { name: 'Large text' }).click();
  await screen.getByRole('button', { name: 'Polski' }).click();
  await screen.getByRole('button', { name: 'Zakończ' }).click();
  await expect(screen.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();
  await expect(screen.locator('.app')).toHaveAttribute('data-text', 'normal');
  await expect(screen.locator('html')).toHaveAttribute('lang', 'en');
});

test('a wrong code, then the right one scanned as a QR from the phone', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[1]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);
  const wrong = code === '000000' ? '111111' : '000000';

  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, wrong);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  const error = screen.getByTestId('error');
  await expect(error).toContainText('That code is not valid');
  await expect(error).toContainText('4 attempts left');
  await expectAccessible(screen, 'wrong code');
  await shoot(screen, info, '07-pickup-wrong-code');

  await scan(screen, `LK1:${code}`);
  await expect(screen.getByRole('heading', { name: `Door ${door} is open` })).toBeVisible();
});

test('five wrong codes pause code entry and show the time left', async ({ kioskPage: screen }, info) => {
  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  for (let i = 0; i < 5; i++) {
    await typeCode(screen, `00000${i}`);
    await screen.getByRole('button', { name: 'Open my door' }).click();
    if (i < 4) await expect(screen.getByTestId('error')).toContainText('not valid');
  }
  await expect(screen.getByRole('heading', { name: 'Code entry is paused' })).toBeVisible();
  await expect(screen.getByTestId('lockout')).toContainText(/try again in \d+ (minutes?|seconds?)/i);
  await expectAccessible(screen, 'lockout');
  await shoot(screen, info, '08-pickup-lockout');
});
