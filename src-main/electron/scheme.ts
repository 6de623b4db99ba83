import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The renderer's own origin in Electron: `app://kiosk/`, a privileged custom scheme served by `serveKioskRequest`
 * from the built renderer folder, instead of `file://` (Electron security checklist, item 18: under `file://` the
 * page's origin is every file on the disk, so `'self'` in a CSP allows any of them).
 *
 * Pure: no `electron` import, so the path rules below are tested in plain Node (tests/foundation/electron-scheme).
 */
export const KIOSK_SCHEME = 'app';
export const KIOSK_HOST = 'kiosk';
/** The origin as Chromium serialises it for a standard scheme (Node's URL says "null" for non-special schemes). */
export const KIOSK_ORIGIN = `${KIOSK_SCHEME}://${KIOSK_HOST}`;
export const KIOSK_START_URL = `${KIOSK_ORIGIN}/index.html`;

/**
 * Privileges for `protocol.registerSchemesAsPrivileged`. `standard` gives the page a real origin (`app://kiosk`,
 * relative URLs, storage); `secure` makes it a secure context; `supportFetchAPI` and `corsEnabled` let Chromium load
 * the renderer's `<script type="module" crossorigin>` from it. Deliberately absent: `bypassCSP` (our CSP must apply),
 * `allowServiceWorkers` (nothing may outlive a reload), `stream` (no media).
 */
export const KIOSK_SCHEME_PRIVILEGES = Object.freeze({ standard: true, secure: true, supportFetchAPI: true, corsEnabled: true });

/** Content types we serve; any other extension is refused, so a stray file in the folder is never handed out. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The Electron window's CSP: every source is `origin` by name (`app://kiosk`, or the loopback dev server in an
 * unpackaged development build), never `'self'`, a wildcard or another scheme. The renderer talks to main over IPC,
 * so it may connect nowhere; it has no frames, workers, media or forms. `'unsafe-inline'` styles only, as React
 * sets `style` attributes. Host mode keeps its own `csp(port)` in src-main/host/static.ts.
 */
export function kioskCsp(origin: string = KIOSK_ORIGIN): string {
  return [
    "default-src 'none'",
    `script-src ${origin}`,
    `style-src ${origin} 'unsafe-inline'`,
    `img-src ${origin} data:`,
    `font-src ${origin}`,
    "connect-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

export type KioskRequestResolution =
  | { ok: true; file: string; contentType: string }
  | { ok: false; status: 400 | 403 | 404 | 405; reason: string };

const refuse = (status: 400 | 403 | 404 | 405, reason: string): KioskRequestResolution => ({ ok: false, status, reason });

/**
 * Maps a request on the kiosk scheme to a file under `root` (absolute path of the built renderer), or a refusal.
 * Pure path logic, no file system: `serveKioskRequest` adds the symlink and regular-file checks.
 *
 * Refused: another scheme, host, port or any userinfo (403); a method other than GET/HEAD (405); in the raw path a
 * backslash, an encoded slash, backslash or NUL, a control character, a malformed escape (400); after decoding any
 * `.`/`..`/empty segment, a colon (drive letters), NUL or backslash (400); anything resolving outside `root` or with
 * an extension not in TYPES (404). `/` means `/index.html`. The WHATWG parser already folds `..` and `%2e%2e`; the
 * segment checks are for whatever a future parser or Chromium hands us unfolded.
 */
export function resolveKioskRequest(rawUrl: string, method: string, root: string): KioskRequestResolution {
  if (method !== 'GET' && method !== 'HEAD') return refuse(405, 'method');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refuse(400, 'unparsable url');
  }
  if (url.protocol !== `${KIOSK_SCHEME}:` || url.host !== KIOSK_HOST || url.username || url.password) return refuse(403, 'not the kiosk origin');
  const raw = url.pathname;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (raw.includes('\\') || /%(2f|5c|00)/i.test(raw) || /[\u0000-\u001f\u007f]/.test(raw)) return refuse(400, 'encoded separator or control character');
  let rel: string;
  try {
    rel = decodeURIComponent(raw);
  } catch {
    return refuse(400, 'malformed escape');
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  const segments = rel.slice(1).split('/');
  if (!rel.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes(':') || s.includes('\0') || s.includes('\\'))) {
    return refuse(400, 'bad path segment');
  }
  const file = path.resolve(root, ...segments);
  const inside = path.relative(root, file);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return refuse(404, 'outside the renderer folder');
  const contentType = TYPES[path.extname(file).toLowerCase()];
  if (!contentType) return refuse(404, 'type not served');
  return { ok: true, file, contentType };
}

/** Headers on every file we serve: the CSP by name, no sniffing, no framing, no referrer, no cache. */
export function kioskResponseHeaders(contentType: string, origin: string = KIOSK_ORIGIN): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': kioskCsp(origin),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/**
 * The `protocol.handle` body: a web `Response` for a request on the kiosk scheme. Besides `resolveKioskRequest`'s
 * rules, the real path (symlinks followed) must still lie inside the real `root`, and be a regular file; otherwise
 * 404. Refusals carry a short text body and the reason in `x-refused` (for the log), never file contents.
 *
 * @param root absolute path of the built renderer folder (`out/renderer`).
 */
export async function serveKioskRequest(rawUrl: string, method: string, root: string): Promise<Response> {
  const r = resolveKioskRequest(rawUrl, method, root);
  if (!r.ok) return refusal(r.status, r.reason);
  try {
    const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(r.file)]);
    const inside = path.relative(realRoot, realFile);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return refusal(404, 'link outside the renderer folder');
    const stat = await fs.stat(realFile);
    if (!stat.isFile()) return refusal(404, 'not a file');
    const body = method === 'HEAD' ? null : new Uint8Array(await fs.readFile(realFile));
    return new Response(body, { status: 200, headers: kioskResponseHeaders(r.contentType) });
  } catch {
    return refusal(404, 'not found');
  }
}

function refusal(status: number, reason: string): Response {
  return new Response(status === 404 ? 'not found' : 'refused', {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'x-refused': reason },
  });
}
