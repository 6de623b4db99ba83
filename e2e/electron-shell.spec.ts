import { test, expect } from './fixtures';

/**
 * The hardened Electron shell in a real Electron (ADR 0005). Skipped in the host project, and in the electron project
 * wherever no Electron binary exists (as on our machines, where tests/foundation/electron-*.test.ts prove the rules).
 */
test.describe('the Electron shell', () => {
  test.beforeEach(() => test.skip(test.info().project.name !== 'electron', 'Electron only'));

  test('the page lives on app://kiosk, and neither a script nor a fetch reaches the disk', async ({ kioskPage }) => {
    await expect(kioskPage).toHaveURL('app://kiosk/index.html');
    const seen = await kioskPage.evaluate(async () => {
      const script = document.createElement('script');
      script.src = 'file:///etc/hostname';
      const loaded = await new Promise<string>((resolve) => {
        script.onload = () => resolve('loaded');
        script.onerror = () => resolve('blocked');
        document.head.append(script);
      });
      let fetched = 'blocked';
      try {
        await fetch('file:///etc/passwd');
        fetched = 'fetched';
      } catch {
        // refused by the CSP (connect-src 'none')
      }
      return { origin: location.origin, loaded, fetched };
    });
    expect(seen).toEqual({ origin: 'app://kiosk', loaded: 'blocked', fetched: 'blocked' });
  });

  test('the page on app://kiosk reaches the core over IPC', async ({ kiosk }) => {
    const r = (await kiosk.call('kioskInfo')) as { ok: boolean; value?: { mode: string } };
    expect(r).toMatchObject({ ok: true, value: { mode: 'electron' } });
  });
});
