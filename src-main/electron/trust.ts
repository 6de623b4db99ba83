import { KIOSK_HOST, KIOSK_ORIGIN, KIOSK_SCHEME, KIOSK_START_URL } from './scheme';

/**
 * Who the Electron shell trusts: which page the window loads, which navigations it allows, which IPC senders it
 * answers. Pure (no `electron` import) so tests/foundation/electron-trust and electron-ipc-sender prove the rules with
 * stand-ins for the objects Electron would pass.
 */

/** The page the window loads and the one origin it trusts (`app://kiosk`, or a loopback dev server). */
export interface RendererEntry {
  url: string;
  origin: string;
  /** Set when ELECTRON_RENDERER_URL was present but not honoured, for one log line. */
  ignored?: { url: string; reason: string };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `ELECTRON_RENDERER_URL` (set by `electron-vite dev`) is honoured only when the app is not packaged AND this is a
 * development build (`import.meta.env.DEV`, true only under `electron-vite dev`; `electron-vite build`, and so
 * `npm start`, compiles it to false) AND it is a plain `http:` URL on a loopback host with no userinfo. Anything
 * else loads `app://kiosk/index.html`: an environment variable must never point a street kiosk at another page.
 */
export function rendererEntry(opts: { isPackaged: boolean; devBuild: boolean; env: Record<string, string | undefined> }): RendererEntry {
  const app: RendererEntry = { url: KIOSK_START_URL, origin: KIOSK_ORIGIN };
  const dev = opts.env.ELECTRON_RENDERER_URL;
  if (!dev) return app;
  if (opts.isPackaged) return { ...app, ignored: { url: dev, reason: 'packaged app' } };
  if (!opts.devBuild) return { ...app, ignored: { url: dev, reason: 'not a development build' } };
  let url: URL;
  try {
    url = new URL(dev);
  } catch {
    return { ...app, ignored: { url: dev, reason: 'not a URL' } };
  }
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || url.username || url.password) {
    return { ...app, ignored: { url: dev, reason: 'not a loopback http URL' } };
  }
  return { url: url.href, origin: url.origin };
}

/**
 * Whether `url` lies on `origin` (as from `rendererEntry`). Compares scheme, host and port by hand because Node's
 * `URL.origin` is "null" for a custom scheme. Unparsable → false.
 */
export function isSameOrigin(url: string, origin: string): boolean {
  let u: URL;
  let o: URL;
  try {
    u = new URL(url);
    o = new URL(origin);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (o.protocol === `${KIOSK_SCHEME}:`) return u.protocol === o.protocol && u.host === KIOSK_HOST && o.host === KIOSK_HOST;
  return u.protocol === o.protocol && u.host === o.host;
}

/** The parts of Electron's WebFrameMain that the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}
/** The parts of an IpcMainInvokeEvent that the sender check reads. */
export interface SenderEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}
/** The parts of the kiosk BrowserWindow that the sender check reads. */
export interface WindowLike {
  isDestroyed(): boolean;
  readonly webContents: { readonly mainFrame: FrameLike };
}

/**
 * An IPC call is answered only when it comes from the kiosk window's web contents, from its top frame (no parent,
 * and the very mainFrame object), and that frame's URL is on the trusted origin right now (Electron security
 * checklist, item 17: validate the sender of all IPC messages). A frame that navigated to `file://`, `data:` or
 * any other page, a sub-frame, another window, a gone frame (`senderFrame` null) or a destroyed window → false.
 */
export function isTrustedSender(event: SenderEventLike, win: WindowLike | null, origin: string): boolean {
  try {
    if (!win || win.isDestroyed()) return false;
    const frame = event.senderFrame;
    if (!frame || event.sender !== win.webContents) return false;
    if (frame !== win.webContents.mainFrame || frame.parent !== null) return false;
    return isSameOrigin(frame.url, origin);
  } catch {
    // Electron throws when a frame is read after it was disposed: a caller we cannot identify is not trusted.
    return false;
  }
}
