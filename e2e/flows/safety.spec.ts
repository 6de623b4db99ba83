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

test('Back inside a visit keeps language and display; left alone, a visit asks "Are you still there?", then ends with defaults', async ({ kioskPage: screen }, info) => {
  // Take over the page's timers, then reload (the session token survives in sessionStorage).
  await screen.clock.install();
  await screen.reload();
  const app = screen.locator('.app');
  await screen.getByRole('button', { name: 'Polski' }).click();
  await screen.getByRole('button', { name: 'Duży tekst' }).click();
  await screen.getByRole('button', { name: 'Odbierz paczkę' }).click();
  await screen.getByRole('button', { name: 'Wstecz' }).click();
  // Back is still the same person: home, in their language and text size.
  await expect(screen.getByRole('heading', { name: 'Co chcesz zrobić?' })).toBeVisible();
  await expect(screen.locator('html')).toHaveAttribute('lang', 'pl');
  await expect(app).toHaveAttribute('data-text', 'large');
  await screen.getByRole('button', { name: 'English' }).click();
  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await expect(screen.getByRole('heading', { name: 'Enter your 6-digit pickup code' })).toBeVisible();
  await screen.getByRole('button', { name: 'Low reach' }).click();
  await screen.clock.fastForward(61_000);
  const dialog = screen.getByRole('alertdialog', { name: 'Are you still there?' });
  await expect(dialog).toBeVisible();
  await expectAccessible(screen, 'idle question, large text');
  await shoot(screen, info, '14-idle-question-large-text');
  await screen.clock.fastForward(11_000);
  await expect(dialog).toBeHidden();
  // The visit is over: the attract loop, in the kiosk's language, with every display option back to default.
  await expect(screen.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();
  await expect(screen.locator('html')).toHaveAttribute('lang', 'en');
  await expect(app).toHaveAttribute('data-text', 'normal');
  await expect(app).toHaveAttribute('data-contrast', 'normal');
  await expect(app).toHaveAttribute('data-reach', 'normal');
});
