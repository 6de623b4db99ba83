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
  const token = takeToken() ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  bridge = createWsBridge({
    url: `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`,
    onConnection: (s) => {
      connection = s;
      connectionListeners.forEach((fn) => fn(s));
    },
  });
  return bridge;
}
