import { app, protocol, session, type WebContents } from 'electron';
import { rendererDir } from '../paths';
import { createLogger } from '../log';
import { kioskEntry } from './entry';
import { KIOSK_SCHEME, KIOSK_SCHEME_PRIVILEGES, kioskCsp, serveKioskRequest } from './scheme';
import { isSameOrigin } from './trust';

const log = createLogger('security');

/**
 * Before `ready`: register `app://` as a privileged standard scheme (it must be, to be given an origin), and harden
 * every web contents: no navigation or redirect off the trusted origin (`app://kiosk`), no new windows, no
 * webviews. The kiosk page itself never navigates; the origin check only spares a same-origin reload.
 */
export function hardenApp(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: KIOSK_SCHEME, privileges: { ...KIOSK_SCHEME_PRIVILEGES } }]);
  const { origin } = kioskEntry();
  app.on('web-contents-created', (_e, contents: WebContents) => {
    const offOrigin = (event: { preventDefault(): void }, url: string) => {
      if (isSameOrigin(url, origin)) return;
      event.preventDefault();
      log.warn('navigation off the kiosk origin refused', { url: url.split(/[?#]/)[0]!.slice(0, 200) });
    };
    contents.on('will-navigate', (event) => offOrigin(event, event.url));
    contents.on('will-frame-navigate', (event) => offOrigin(event, event.url));
    contents.on('will-redirect', (event) => offOrigin(event, event.url));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/**
 * After `ready`: serve `app://kiosk/` from the built renderer (`serveKioskRequest`: nothing outside the folder),
 * refuse every permission, and stamp the CSP naming only the trusted origin on anything else the session loads.
 */
export function hardenSession(): void {
  const ses = session.defaultSession;
  const { origin } = kioskEntry();
  const root = rendererDir();
  ses.protocol.handle(KIOSK_SCHEME, async (request) => {
    const res = await serveKioskRequest(request.url, request.method, root);
    if (!res.ok) log.warn('app:// request refused', { status: res.status, reason: res.headers.get('x-refused') });
    return res;
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [kioskCsp(origin)] } });
  });
}
