import WebSocket from 'ws';
import { test, expect } from './fixtures';
import { demo } from './flows/helpers';

test('the attract screen shows live kiosk info through the API', async ({ kioskPage, kiosk }) => {
  await expect(kioskPage.getByRole('button', { name: /pick up a parcel/i })).toBeVisible();
  const info = await kiosk.call<{ kioskId: string; version: string }>('kioskInfo');
  expect(info.ok).toBe(true);
  if (!info.ok) return;
  // What the kioskPage shows came from the kiosk, not from the page's own defaults.
  await expect(kioskPage.getByTestId('kiosk-info')).toContainText(info.value.kioskId);
  await expect(kioskPage.getByTestId('kiosk-info')).toContainText(info.value.version);
});

test('a malformed API payload returns BAD_INPUT and the kiosk keeps working', async ({ kiosk, kioskPage }) => {
  const bad = await kiosk.call('pickupSubmitCode', { code: "1' OR 1=1 --" });
  expect(bad.ok).toBe(false);
  if (!bad.ok) expect(bad.error.code).toBe('BAD_INPUT');
  const unknown = await kiosk.call('dropTables', {});
  expect(unknown.ok).toBe(false);
  if (!unknown.ok) expect(unknown.error.code).toBe('BAD_INPUT');
  const good = await kiosk.call('kioskInfo');
  expect(good.ok).toBe(true);
  await expect(kioskPage.getByRole('button', { name: /pick up a parcel/i })).toBeVisible();
});

test('pasting 40,000 characters on the home screen is no badge: the kiosk stays up and a real badge still works', async ({ kioskPage, kiosk }) => {
  // Issue 9 §1: this paste was sent as one badge, in a frame over the core's socket limit, and ended the kiosk.
  const d = await demo(kiosk);
  const paste = (text: string) =>
    kioskPage.evaluate((t) => {
      const data = new DataTransfer();
      data.setData('text', t);
      window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  await kioskPage.getByRole('button', { name: 'Pick up a parcel' }).waitFor();
  await paste('A'.repeat(40_000));
  expect((await kiosk.call('kioskInfo')).ok).toBe(true);
  await expect(kioskPage.getByRole('button', { name: 'Pick up a parcel' })).toBeVisible();
  await paste(d.driver);
  await expect(kioskPage.getByRole('heading', { name: 'Scan the next parcel' })).toBeVisible();
});

test.describe('host mode WebSocket guard', () => {
  test.beforeEach(() => test.skip(test.info().project.name === 'electron', 'host mode only'));

  const tryOpen = (url: string, origin: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(url, { origin });
      ws.once('open', () => {
        ws.close();
        resolve('open');
      });
      ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.once('error', (e) => resolve(`error ${e.message}`));
    });

  test('without the session token the connection is refused', async ({ kiosk }) => {
    const k = kiosk as unknown as { port: number; token: string };
    const origin = `http://127.0.0.1:${k.port}`;
    expect(await tryOpen(`ws://127.0.0.1:${k.port}/api`, origin)).toBe('401');
    expect(await tryOpen(`ws://127.0.0.1:${k.port}/api?token=wrong-token`, origin)).toBe('401');
    expect(await tryOpen(`ws://127.0.0.1:${k.port}/api?token=${k.token}`, origin)).toBe('open');
  });

  test('from another origin the connection is refused, even with the token', async ({ kiosk, page }) => {
    const k = kiosk as unknown as { port: number; token: string };
    expect(await tryOpen(`ws://127.0.0.1:${k.port}/api?token=${k.token}`, 'http://evil.example')).toBe('403');
    // And from a real page served by another origin, the browser's own attempt fails too.
    await page.goto('about:blank');
    const outcome = await page.evaluate(
      (u) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(u);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
      `ws://127.0.0.1:${k.port}/api?token=${k.token}`,
    );
    expect(outcome).toBe('refused');
  });
});
