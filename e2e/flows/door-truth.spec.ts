import { expect, test } from '../fixtures';
import { codeFor, demo, deposit, expectAccessible, PORTRAIT, scan, shoot, typeCode } from './helpers';

test.use({ viewport: PORTRAIT });

/**
 * Issue 9 §3: the screen says what the board says. The bus is cut exactly when the unlock frame goes out (the
 * simulator loses that frame and hears nothing after it): the door stays shut, and the screen must say "Opening…",
 * never "Door A01 is open — take your parcel", then plainly that the locker did not answer (after the 30 s ceiling).
 */
test('pickup with the bus cut at the unlock: "Opening door…", then "No answer" with a reference; never "is open"', async ({ kioskPage: screen, kiosk }, info) => {
  test.setTimeout(120_000);
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  const door = await deposit(kiosk, d.driver, parcel.barcode);
  const code = await codeFor(kiosk, parcel.barcode);
  await kiosk.call('simDoor', { compartmentId: door, action: 'cut-bus-on-unlock' });

  await screen.getByRole('button', { name: 'Pick up a parcel' }).click();
  await typeCode(screen, code);
  await screen.getByRole('button', { name: 'Open my door' }).click();
  await expect(screen.getByRole('heading', { name: `Opening door ${door}…` })).toBeVisible();
  await expect(screen.getByTestId('door-panel')).toHaveCount(0);
  await expectAccessible(screen, 'pickup opening');
  await shoot(screen, info, '16-pickup-opening');

  const fault = screen.getByTestId('door-fault');
  await expect(fault).toHaveAttribute('data-fault', 'no-answer', { timeout: 60_000 });
  await expect(screen.getByRole('heading', { name: `No answer from door ${door}` })).toBeVisible();
  await expect(fault).toContainText(/reference R-\S+/);
  await expect(screen.getByText(`Door ${door} is open`)).toHaveCount(0);
  await expectAccessible(screen, 'pickup no answer');
  await shoot(screen, info, '17-pickup-no-answer');
  await expect(screen.getByRole('button', { name: 'Report a problem' })).toBeVisible();
  await kiosk.call('simDoor', { compartmentId: door, action: 'mend-bus' });
});

test('drop-off with the bus cut at the unlock: "Opening door…", then "No answer"; mended, "Door didn\'t open" gives another door', async ({ kioskPage: screen, kiosk }, info) => {
  test.setTimeout(120_000);
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  await screen.getByRole('button', { name: 'Pick up a parcel' }).waitFor();
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.driver);
  await expect(screen.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
  await kiosk.call('simDoor', { compartmentId: 'A01', action: 'cut-bus-on-unlock' });

  await scan(screen, parcel.barcode);
  const opening = screen.getByTestId('door-opening');
  await expect(opening).toBeVisible();
  const first = (await opening.getAttribute('data-door'))!;
  await expect(screen.getByRole('heading', { name: `Opening door ${first}…` })).toBeVisible();
  await expectAccessible(screen, 'driver opening');
  await shoot(screen, info, '18-driver-opening');

  const fault = screen.getByTestId('door-fault');
  await expect(fault).toHaveAttribute('data-fault', 'no-answer', { timeout: 60_000 });
  await expect(screen.getByRole('heading', { name: `No answer from door ${first}` })).toBeVisible();
  await expectAccessible(screen, 'driver no answer');
  await shoot(screen, info, '19-driver-no-answer');

  await kiosk.call('simDoor', { compartmentId: first, action: 'mend-bus' });
  // Until a poll hears the boards again they are known offline, and no door on them is offered.
  await expect
    .poll(async () => {
      const info = await kiosk.call<{ hardware: { status: string } }>('kioskInfo', {});
      return info.ok ? info.value.hardware.status : null;
    }, { timeout: 20_000 })
    .toBe('online');
  await screen.getByRole('button', { name: "Door didn't open" }).click();
  const panel = screen.getByTestId('door-panel');
  await expect(panel).toBeVisible({ timeout: 20_000 });
  expect(await panel.getAttribute('data-door')).not.toBe(first);
});

test('drop-off into a jammed door: "Opening door…", then plainly "did not open" with a reference and the way on', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  const layout = await kiosk.call<{ compartments: Array<{ id: string }> }>('layoutGet', {});
  if (!layout.ok) throw new Error(layout.error.code);
  // Every lock ignores its unlock: whichever compartment is chosen stays shut and the board says so.
  for (const c of layout.value.compartments) await kiosk.call('simDoor', { compartmentId: c.id, action: 'jam' });
  await screen.getByRole('button', { name: 'Pick up a parcel' }).waitFor();
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.driver);
  await expect(screen.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
  await scan(screen, parcel.barcode);
  await expect(screen.getByTestId('door-opening')).toBeVisible();
  const fault = screen.getByTestId('door-fault');
  await expect(fault).toHaveAttribute('data-fault', 'did-not-open', { timeout: 20_000 });
  await expect(screen.getByRole('heading', { name: /^Door A\d\d did not open$/ })).toBeVisible();
  await expect(fault).toContainText(/Reference R-\S+/);
  await expect(screen.getByTestId('door-panel')).toHaveCount(0);
  await expectAccessible(screen, 'driver did not open');
  await shoot(screen, info, '19-driver-did-not-open');
});
