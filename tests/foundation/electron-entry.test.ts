import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { isSameOrigin, rendererEntry } from '../../src-main/electron/trust';
import { KIOSK_ORIGIN, KIOSK_START_URL } from '../../src-main/electron/scheme';

/**
 * What the kiosk window loads. Before: any `ELECTRON_RENDERER_URL` in the environment, packaged or not, became the
 * kiosk's page (and its IPC peer); otherwise `file://`. Now: `app://kiosk/index.html`, and the dev server only in an
 * unpackaged development build on a loopback http URL.
 */
const app = { url: KIOSK_START_URL, origin: KIOSK_ORIGIN };
const devBox = { isPackaged: false, devBuild: true };

describe('ELECTRON_RENDERER_URL', () => {
  it('is not needed: without it the window loads app://kiosk/index.html', () => {
    expect(rendererEntry({ ...devBox, env: {} })).toEqual(app);
    expect(rendererEntry({ isPackaged: true, devBuild: false, env: {} })).toEqual(app);
  });

  it('is ignored in a packaged kiosk, even a loopback URL', () => {
    const e = rendererEntry({ isPackaged: true, devBuild: true, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173/' } });
    expect(e).toMatchObject({ ...app, ignored: { reason: 'packaged app' } });
  });

  it('is ignored in a production build run unpackaged (npm start)', () => {
    const e = rendererEntry({ isPackaged: false, devBuild: false, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173/' } });
    expect(e).toMatchObject({ ...app, ignored: { reason: 'not a development build' } });
  });

  it.each([
    'https://evil.example/',
    'http://evil.example/',
    'http://192.168.1.20:5173/',
    'http://127.0.0.1.evil.example/',
    'http://localhost@evil.example/',
    'http://user:pw@localhost:5173/',
    'https://localhost:5173/',
    'file:///tmp/evil.html',
    'javascript:alert(1)',
    'data:text/html,hi',
    'not a url',
  ])('is ignored even in development when it is not a loopback http URL: %s', (url) => {
    expect(rendererEntry({ ...devBox, env: { ELECTRON_RENDERER_URL: url } })).toMatchObject(app);
  });

  it.each(['http://localhost:5173/', 'http://127.0.0.1:5173/', 'http://[::1]:5173/'])('is honoured in an unpackaged development build: %s', (url) => {
    const e = rendererEntry({ ...devBox, env: { ELECTRON_RENDERER_URL: url } });
    expect(e.url).toBe(url);
    expect(e.origin).toBe(new URL(url).origin);
    expect(e.ignored).toBeUndefined();
  });
});

describe('navigation stays on the trusted origin', () => {
  it.each([
    [KIOSK_START_URL, true],
    ['app://kiosk/index.html#/pickup', true],
    ['app://evil/index.html', false],
    ['app://kiosk.evil/', false],
    ['app://user@kiosk/', false],
    ['file:///etc/passwd', false],
    ['https://kiosk/', false],
    ['about:blank', false],
    ['javascript:alert(1)', false],
  ])('%s → %s', (url, allowed) => {
    expect(isSameOrigin(url, KIOSK_ORIGIN)).toBe(allowed);
  });

  it('in development, only the dev server itself', () => {
    expect(isSameOrigin('http://localhost:5173/src/main.tsx', 'http://localhost:5173')).toBe(true);
    expect(isSameOrigin('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isSameOrigin('app://kiosk/index.html', 'http://localhost:5173')).toBe(false);
  });
});

// What npm start runs: the production build must have the dev switch compiled to false and never use file://.
const bundle = path.resolve(import.meta.dirname, '../../out/main/index.js');
describe.skipIf(!fs.existsSync(bundle))('the built Electron main bundle', () => {
  it('loads app://kiosk, registers the scheme as privileged, and has the dev URL switched off at build time', () => {
    const code = fs.readFileSync(bundle, 'utf8');
    // Booleans with messages: a failure should name the rule, not print the whole bundle.
    expect(/devBuild:\s*false/.test(code), 'the production build compiles the dev-URL switch to false').toBe(true);
    expect(code.includes('registerSchemesAsPrivileged'), 'app:// is registered as a privileged scheme').toBe(true);
    expect(/\.loadFile\(/.test(code), 'the window never loads the renderer from file://').toBe(false);
  });
});
