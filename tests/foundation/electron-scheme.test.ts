import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KIOSK_ORIGIN, KIOSK_SCHEME_PRIVILEGES, KIOSK_START_URL, kioskCsp, resolveKioskRequest, serveKioskRequest } from '../../src-main/electron/scheme';

/**
 * The Electron window loads the renderer from `app://kiosk/`, not `file://` (under file:// the page's "own origin"
 * is the whole disk). The Electron binary cannot run here, so this drives the scheme handler's body — the function
 * `protocol.handle` calls — on real files in a temp folder, with a secret planted beside the renderer folder.
 */
const SECRET = 'TOP-SECRET-KIOSK-KEY';
// Made at load time: the attack table below names the temp folder by its absolute path.
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-scheme-')));
const root = path.join(tmp, 'renderer');

beforeAll(() => {
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>kiosk</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log("kiosk")');
  fs.writeFileSync(path.join(root, 'assets', 'style.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'notes.txt'), `a stray file ${SECRET}`);
  // Secrets outside the folder, including a sibling whose name starts with the folder's (a startsWith() trap).
  fs.writeFileSync(path.join(tmp, 'secret.js'), SECRET);
  fs.mkdirSync(path.join(tmp, 'renderer-evil'));
  fs.writeFileSync(path.join(tmp, 'renderer-evil', 'secret.js'), SECRET);
  fs.symlinkSync(path.join(tmp, 'secret.js'), path.join(root, 'assets', 'link.js'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const attacks: Array<[string, string]> = [
  ['dot-dot', 'app://kiosk/../secret.js'],
  ['dot-dot deeper', 'app://kiosk/assets/../../secret.js'],
  ['encoded dot-dot', 'app://kiosk/%2e%2e/secret.js'],
  ['encoded dot-dot, upper case', 'app://kiosk/%2E%2E/%2E%2E/secret.js'],
  ['double-encoded dot-dot', 'app://kiosk/%252e%252e/secret.js'],
  ['encoded slash', 'app://kiosk/..%2fsecret.js'],
  ['encoded slash, upper case', 'app://kiosk/assets/..%2F..%2Fsecret.js'],
  ['encoded backslash', 'app://kiosk/..%5csecret.js'],
  ['backslash', 'app://kiosk/..\\secret.js'],
  ['backslashes deeper', 'app://kiosk/assets\\..\\..\\secret.js'],
  ['NUL byte', 'app://kiosk/index.html%00.js'],
  ['raw NUL byte', 'app://kiosk/index.html\u0000.js'],
  ['absolute path', 'app://kiosk//etc/passwd'],
  ['absolute path, encoded', 'app://kiosk/%2Fetc%2Fpasswd'],
  ['the temp folder by absolute path', `app://kiosk/${tmp}/secret.js`],
  ['drive letter', 'app://kiosk/C:/Windows/win.ini'],
  ['sibling folder with the same prefix', 'app://kiosk/../renderer-evil/secret.js'],
  ['symlink out of the folder', 'app://kiosk/assets/link.js'],
  ['a file of a type we do not serve', 'app://kiosk/notes.txt'],
  ['a directory', 'app://kiosk/assets'],
  ['another host', 'app://evil/index.html'],
  ['a host that starts like ours', 'app://kiosk.evil/index.html'],
  ['userinfo', 'app://user:pw@kiosk/index.html'],
  ['a port', 'app://kiosk:8080/index.html'],
  ['no host', 'app:///index.html'],
  ['file scheme', 'file:///etc/passwd'],
  ['http scheme', 'http://kiosk/index.html'],
  ['malformed escape', 'app://kiosk/%E0%A4%A'],
];

describe('the app:// scheme handler (the renderer is no longer loaded from file://)', () => {
  it.each(attacks)('refuses %s (%s), handing out nothing', async (_label, url) => {
    const res = await serveKioskRequest(url, 'GET', root);
    expect(res.status).toBeGreaterThanOrEqual(400);
    const body = await res.text();
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain('root:');
  });

  it('refuses other hosts as 403 and bad paths as 400 before touching the disk', () => {
    expect(resolveKioskRequest('app://evil/index.html', 'GET', root)).toMatchObject({ ok: false, status: 403 });
    expect(resolveKioskRequest('app://kiosk/..%2fsecret.js', 'GET', root)).toMatchObject({ ok: false, status: 400 });
    expect(resolveKioskRequest('app://kiosk/index.html%00', 'GET', root)).toMatchObject({ ok: false, status: 400 });
    expect(resolveKioskRequest('app://kiosk/a\\b.js', 'GET', root)).toMatchObject({ ok: false, status: 400 });
  });

  it('only reads: any method but GET and HEAD is 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      expect((await serveKioskRequest(KIOSK_START_URL, method, root)).status).toBe(405);
    }
  });

  it('serves files inside the folder with their content type, the CSP and no-sniff', async () => {
    const cases: Array<[string, string, string]> = [
      ['app://kiosk/', 'text/html; charset=utf-8', 'index.html'],
      [KIOSK_START_URL, 'text/html; charset=utf-8', 'index.html'],
      ['app://kiosk/assets/app.js', 'text/javascript; charset=utf-8', 'assets/app.js'],
      ['app://kiosk/assets/style.css?v=2#top', 'text/css; charset=utf-8', 'assets/style.css'],
    ];
    for (const [url, type, file] of cases) {
      const res = await serveKioskRequest(url, 'GET', root);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-security-policy')).toBe(kioskCsp());
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(fs.readFileSync(path.join(root, file), 'utf8'));
    }
    const head = await serveKioskRequest('app://kiosk/assets/app.js', 'HEAD', root);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('registers the scheme as a standard secure origin that does not bypass the CSP', () => {
    expect(KIOSK_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(KIOSK_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
    expect(KIOSK_SCHEME_PRIVILEGES).not.toHaveProperty('allowServiceWorkers');
  });
});

describe("the Electron window's CSP", () => {
  it('names only the kiosk origin: no self, wildcard, file:, http(s):, ws: or other host', () => {
    const directives = new Map(kioskCsp().split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name!, sources]));
    const allowedExtra: Record<string, string[]> = { 'style-src': ["'unsafe-inline'"], 'img-src': ['data:'] };
    for (const [name, sources] of directives) {
      for (const source of sources) {
        expect([KIOSK_ORIGIN, "'none'", ...(allowedExtra[name] ?? [])], `${name} ${source}`).toContain(source);
      }
    }
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual([KIOSK_ORIGIN]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(kioskCsp()).not.toMatch(/'self'|\*|file:|https?:|wss?:|'unsafe-eval'/);
  });
});

// The real built renderer, through the handler: every script and stylesheet index.html names loads from app://kiosk.
const built = path.resolve(import.meta.dirname, '../../out/renderer');
describe.skipIf(!fs.existsSync(path.join(built, 'index.html')))('the built renderer over app://kiosk', () => {
  it('serves index.html and every asset it references, each with its content type', async () => {
    const index = await serveKioskRequest(KIOSK_START_URL, 'GET', built);
    expect(index.status).toBe(200);
    const html = await index.text();
    const refs = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => !r.startsWith('data:'));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const url = new URL(ref, KIOSK_START_URL).href;
      expect(url.startsWith(`${KIOSK_ORIGIN}/`), url).toBe(true);
      const res = await serveKioskRequest(url, 'GET', built);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toMatch(/^text\/(javascript|css)/);
    }
  });
});
