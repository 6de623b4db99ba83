import type { KioskBridge } from '../../src-shared/api';
import { createWsBridge, takeToken, type ConnectionState } from './ws-bridge';

declare global {
  interface Window {
    /** Provided by the Electron preload; absent in host mode. */
    kiosk?: KioskBridge;
  }
}

type Listener = (s: ConnectionState) => void;
const connectionListeners = new Set<Listener>();
let connection: ConnectionState = 'open';

/** The transport's own state (host mode only): the banner shows it when the core is unreachable. */
export function onBridgeConnection(fn: Listener): () => void {
  connectionListeners.add(fn);
  fn(connection);
  return () => connectionListeners.delete(fn);
}

let bridge: KioskBridge | null = null;

/** The one way the renderer reaches main: the preload's `window.kiosk` in Electron, else the host-mode WebSocket. */
export function getKiosk(): KioskBridge {
  if (bridge) return bridge;
  if (window.kiosk) return (bridge = window.kiosk);
  let token = takeToken() ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = createWsBridge({
    url: () => `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`,
    onConnection: (s) => {
      connection = s;
      connectionListeners.forEach((fn) => fn(s));
    },
  });
  // A rotated token comes as a fragment-only navigation (red-team finding 3): no reload, so without this the page
  // kept retrying with the old token from sessionStorage. Take it and reconnect with it now.
  window.addEventListener('hashchange', () => {
    const next = takeToken();
    if (next && next !== token) {
      token = next;
      ws.reconnect();
    }
  });
  return (bridge = ws);
}
