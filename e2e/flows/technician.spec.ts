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
