import { expect, test } from '../fixtures';
import { demo, expectAccessible, PORTRAIT, scan, shoot } from './helpers';

test.use({ viewport: PORTRAIT });

test('a technician takes a compartment out of service, and it is then never offered', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.technician);
  await expect(screen.getByRole('heading', { name: 'Maintenance' })).toBeVisible();
  const grid = screen.getByTestId('tech-grid');
  await expect(grid).toBeVisible();
  await expectAccessible(screen, 'maintenance grid');
  await shoot(screen, info, '20-maintenance-grid');

  // A01 is the compartment the kiosk would pick first for a small parcel.
  await grid.locator('[data-compartment="A01"]').click();
  const selected = screen.getByTestId('tech-selected');
  await expect(selected.getByRole('button', { name: 'Take out of service' })).toBeDisabled();
  await selected.getByRole('radio', { name: 'Repair' }).click();
  await shoot(screen, info, '21-maintenance-selected');
  // Large text scales the technician screen too, and nothing falls off it in either orientation.
  await screen.getByRole('button', { name: 'Large text' }).click();
  await shoot(screen, info, '26-maintenance-large-text');
  await screen.getByRole('button', { name: 'Large text' }).click();
  await selected.getByRole('button', { name: 'Take out of service' }).click();
  await expect(grid.locator('[data-compartment="A01"]')).toHaveAttribute('data-status', 'out_of_service');

  await screen.getByRole('tab', { name: 'Boards' }).click();
  await screen.getByRole('button', { name: 'Run self-test' }).click();
  await expect(screen.getByTestId('self-test')).toBeVisible();
  await expectAccessible(screen, 'maintenance boards');
  await shoot(screen, info, '22-maintenance-boards');

  await screen.getByRole('tab', { name: 'Audit log' }).click();
  await screen.getByRole('button', { name: 'Load audit log' }).click();
  await expect(screen.getByTestId('chain')).toContainText('Chain verified');
  await expectAccessible(screen, 'maintenance audit');
  await shoot(screen, info, '23-maintenance-audit');

  await screen.getByRole('tab', { name: 'Sync' }).click();
  await screen.getByRole('button', { name: 'Sync now' }).click();
  await expect(screen.getByTestId('sync')).toBeVisible();
  await shoot(screen, info, '24-maintenance-sync');
  await screen.getByRole('button', { name: 'Sign out' }).click();
  await expect(screen.getByText('Touch the screen or scan the QR code from your message')).toBeVisible();

  // Every small parcel now goes elsewhere: through the screen as a driver would, and straight through the API.
  const small = d.parcels.filter((p) => p.size === 'S');
  expect(small.length).toBeGreaterThan(0);
  await scan(screen, d.driver);
  await expect(screen.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
  for (const p of small) {
    await scan(screen, p.barcode);
    const panel = screen.getByTestId('door-panel');
    await expect(panel).toBeVisible();
    expect(await panel.getAttribute('data-door')).not.toBe('A01');
    await screen.getByTestId('simulate-close').click();
    await expect(panel).toBeHidden();
  }
  await expect(screen.getByTestId('delivered-list')).not.toContainText('A01');
});

test('a technician resolves a delivery whose door was left open, and the compartment waits for inspection', async ({ kioskPage: screen, kiosk }, info) => {
  const d = await demo(kiosk);
  const parcel = d.parcels[0]!;
  // A driver opens a compartment, puts the parcel in and walks away with the door open: the operation never ends.
  const s = await kiosk.call<{ sessionId: string }>('authBadge', { badge: d.driver });
  if (!s.ok) throw new Error(s.error.code);
  const drop = await kiosk.call<{ where: { compartmentId: string } }>('dropoffScan', { sessionId: s.value.sessionId, barcode: parcel.barcode });
  if (!drop.ok) throw new Error(drop.error.code);
  const door = drop.value.where.compartmentId;
  await kiosk.call('simDoor', { compartmentId: door, action: 'put-item' });
  await kiosk.call('authEnd', { sessionId: s.value.sessionId });

  await screen.getByText('Touch the screen or scan the QR code from your message').click();
  await scan(screen, d.technician);
  const grid = screen.getByTestId('tech-grid');
  await grid.locator(`[data-compartment="${door}"]`).click();
  const selected = screen.getByTestId('tech-selected');
  const op = selected.getByTestId('operation-in-progress');
  await expect(op).toContainText('Delivery · door open');
  await expect(op).toContainText(`Parcel ${parcel.barcode}`);
  await expect(selected.getByRole('button', { name: `Open door ${door}` })).toBeDisabled();
  await expect(selected.getByRole('button', { name: 'Resolve' })).toBeDisabled();
  await selected.getByRole('radio', { name: 'Inspection' }).click();
  await expectAccessible(screen, 'maintenance operation in progress');
  await shoot(screen, info, '27-maintenance-operation-in-progress');

  await selected.getByRole('button', { name: 'Resolve' }).click();
  await expect(selected.getByTestId('resolved')).toHaveAttribute('data-resolution', 'failed');
  await expect(selected.getByTestId('resolved')).toContainText('out of service for inspection');
  await expect(grid.locator(`[data-compartment="${door}"]`)).toHaveAttribute('data-status', 'out_of_service');
  await expect(op).toBeHidden();
  // Nothing holds the door any more: the technician can open it (it is still open on the simulated board).
  await expect(selected.getByRole('button', { name: `Open door ${door}` })).toBeEnabled();
  await shoot(screen, info, '28-maintenance-resolved');

  await screen.getByRole('tab', { name: 'Audit log' }).click();
  await screen.getByRole('button', { name: 'Load audit log' }).click();
  await expect(screen.getByText(/maintenance\.operation_resolved/)).toBeVisible();
});
