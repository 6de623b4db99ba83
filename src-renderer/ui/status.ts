import { useEffect } from 'react';
import type { KioskBridge } from '../../src-shared/api';
import { onBridgeConnection } from '../bridge';
import { useView } from '../state/view-store';

const REFRESH_MS = 30_000;
const RETRY_MS = 3_000;

/**
 * Keeps the banner and the attract screen's kiosk info live: one read at start (retried until the core answers),
 * pushed hardware/connectivity/alarm/availability events in between (main pushes the free counts whenever they change:
 * a deposit, a pickup, a technician's service change), and a slow refresh as a safety net.
 */
export function useKioskStatus(kiosk: KioskBridge): void {
  useEffect(() => {
    const view = useView.getState();
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      const r = await kiosk.kioskInfo({});
      if (stopped) return;
      if (r.ok) view.setInfo(r.value);
      timer = setTimeout(() => void load(), r.ok ? REFRESH_MS : RETRY_MS);
    };
    void load();
    const offs = [
      kiosk.on('availability', ({ freeBySize }) => useView.getState().setFreeBySize(freeBySize)),
      kiosk.on('hardware', (h) => useView.getState().setHardware(h)),
      kiosk.on('connectivity', (c) => useView.getState().setConnectivity(c)),
      kiosk.on('store', ({ status }) => useView.getState().setStore(status)),
      // Listened to all the time, not only in maintenance mode: a door left open during a pickup must still reach
      // the technician who signs in later.
      kiosk.on('alarm', (a) => useView.getState().addAlarm(a)),
      onBridgeConnection((s) => {
        useView.getState().setCoreConnected(s === 'open');
        // After a reconnect the pushes we missed are gone: read the truth again.
        if (s === 'open' && useView.getState().info) {
          clearTimeout(timer);
          void load();
        }
      }),
    ];
    return () => {
      stopped = true;
      clearTimeout(timer);
      offs.forEach((off) => off());
    };
  }, [kiosk]);
}
