import { expect, test } from '../fixtures';
import { demo, expectAccessible, PORTRAIT, scan, shoot, typeCode } from './helpers';

test.use({ viewport: PORTRAIT });

/**
 * The technician PIN (issue 9 §2 review): wrong PINs never count down to the next person, the screen says up front
 * that PIN entry is paused and until when, and a technician badge still signs in (and clears the pause).
 */
test('five wrong PINs pause PIN entry, said up front on the PIN screen; a technician badge still signs in', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  for (let i = 0; i < 5; i++) {
    const r = await kiosk.call('authPin', { pin: '111111' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('attemptsLeft');
  }
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await screen.getByRole('button', { name: 'Staff PIN' }).click();
  await expect(screen.getByRole('heading', { name: 'Enter your staff PIN' })).toBeVisible();
  // Before a single digit is typed: paused, until a time a person can read, and the way on.
  await expect(screen.getByTestId('pin-paused')).toContainText('PIN entry is paused after too many wrong PINs, until');
  await expect(screen.getByTestId('pin-paused')).toContainText('A technician badge still works.');
  await typeCode(screen, '2468');
  await expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
  await expectAccessible(screen, 'pin paused');
  await shoot(screen, info, '14-pin-paused');

  await scan(screen, d.technician);
  await expect(screen.getByRole('heading', { name: 'Maintenance' })).toBeVisible();
  // The badge cleared the pause: the demo PIN works again.
  expect((await kiosk.call('authPin', { pin: '246810' })).ok).toBe(true);
});
