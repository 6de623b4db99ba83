import { useEffect } from 'react';
import type { KioskBridge } from '../../src-shared/api';
import { onBridgeConnection } from '../bridge';
import { useView } from '../state/view-store';

const REFRESH_MS = 30_000;
const RETRY_MS = 3_000;

/**
 * Keeps the banner and the attract screen's kiosk info live: one read at start (retried until the core answers),
 * pushed hardware/connectivity/alarm events in between, a re-read after door activity, and a slow refresh for the
 * free-compartment counts (a technician's out-of-service change pushes nothing).
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
    // Free counts change when a door operation ends or a door moves: re-read shortly after, once per burst.
    let soonTimer: ReturnType<typeof setTimeout> | undefined;
    const soon = (): void => {
      clearTimeout(soonTimer);
      soonTimer = setTimeout(() => {
        clearTimeout(timer);
        void load();
      }, 400);
    };
    const offs = [
      kiosk.on('operation', soon),
      kiosk.on('door', soon),
      kiosk.on('hardware', (h) => useView.getState().setHardware(h)),
      kiosk.on('connectivity', (c) => useView.getState().setConnectivity(c)),
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
      clearTimeout(soonTimer);
      offs.forEach((off) => off());
    };
  }, [kiosk]);
}
