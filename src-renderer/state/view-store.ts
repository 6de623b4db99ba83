import { create } from 'zustand';
import type { Locale } from '../../src-shared/api/common';
import type { KioskInfo } from '../../src-shared/api/kiosk';
import type { EventPayload } from '../../src-shared/events';
import type { ScanRejection } from '../input/scanner';

export type RecentAlarm = EventPayload<'alarm'> & { at: number };
/** Enough to see a pattern; an alarm storm must not grow the list without bound. */
const MAX_ALARMS = 20;

export type TextSize = 'normal' | 'large';
export type StoreStatus = NonNullable<KioskInfo['store']>;
export type Orientation = 'portrait' | 'landscape';

/**
 * View state only: how things look and what the banner says. The flows themselves live in XState machines;
 * nothing here decides what happens next.
 */
export interface ViewState {
  locale: Locale;
  /** The kiosk's configured language, restored whenever a visit ends so the next person starts there. */
  defaultLocale: Locale;
  textSize: TextSize;
  highContrast: boolean;
  lowReach: boolean;
  info: KioskInfo | null;
  hardware: EventPayload<'hardware'> | null;
  connectivity: EventPayload<'connectivity'> | null;
  /** Host mode: whether the WebSocket to the kiosk core is up. */
  coreConnected: boolean;
  /** The core's store: anything but `ok` shows "temporarily out of order" instead of the start screens. */
  store: StoreStatus;
  /**
   * Door alarms pushed by main (left open, forced, jammed) since this screen started, newest first: the fast path.
   * The truth is the store's list of unacknowledged alarms, which `maintenanceOverview` returns after sign-in (it
   * survives restarts); the maintenance screen shows that one once loaded and these only until then.
   */
  alarms: RecentAlarm[];
  /** Why the last keyboard read was not taken as a scan (typed by hand, or cut off mid-burst), for a short notice. */
  scanNotice: { why: ScanRejection; at: number } | null;
  setLocale(locale: Locale): void;
  toggleLargeText(): void;
  toggleHighContrast(): void;
  toggleLowReach(): void;
  setInfo(info: KioskInfo): void;
  setHardware(h: EventPayload<'hardware'>): void;
  /** Pushed free counts: the footer follows a deposit, a pickup or a service change at once. */
  setFreeBySize(freeBySize: EventPayload<'availability'>['freeBySize']): void;
  setConnectivity(c: EventPayload<'connectivity'>): void;
  setCoreConnected(up: boolean): void;
  setStore(store: StoreStatus): void;
  addAlarm(alarm: EventPayload<'alarm'>, at?: number): void;
  acknowledgeAlarms(): void;
  setScanNotice(why: ScanRejection | null, at?: number): void;
  /** A visit ended: the next person gets the defaults, not the previous person's choices. */
  resetForNextPerson(): void;
}

export const useView = create<ViewState>()((set) => ({
  locale: 'en',
  defaultLocale: 'en',
  textSize: 'normal',
  highContrast: false,
  lowReach: false,
  info: null,
  hardware: null,
  connectivity: null,
  coreConnected: true,
  store: 'ok',
  alarms: [],
  scanNotice: null,
  setLocale: (locale) => set({ locale }),
  toggleLargeText: () => set((s) => ({ textSize: s.textSize === 'large' ? 'normal' : 'large' })),
  toggleHighContrast: () => set((s) => ({ highContrast: !s.highContrast })),
  toggleLowReach: () => set((s) => ({ lowReach: !s.lowReach })),
  setInfo: (info) =>
    set((s) => ({
      info,
      hardware: info.hardware,
      connectivity: info.connectivity,
      store: info.store ?? 'ok',
      // The first answer sets the kiosk's default language; later refreshes must not override a visitor's choice.
      ...(s.info === null ? { locale: info.locale, defaultLocale: info.locale } : {}),
    })),
  setHardware: (hardware) => set({ hardware }),
  setFreeBySize: (freeBySize) => set((s) => (s.info ? { info: { ...s.info, freeBySize } } : {})),
  setConnectivity: (connectivity) => set({ connectivity }),
  setCoreConnected: (coreConnected) => set({ coreConnected }),
  setStore: (store) => set({ store }),
  addAlarm: (alarm, at = Date.now()) => set((s) => ({ alarms: [{ ...alarm, at }, ...s.alarms].slice(0, MAX_ALARMS) })),
  acknowledgeAlarms: () => set({ alarms: [] }),
  setScanNotice: (why, at = Date.now()) => set({ scanNotice: why ? { why, at } : null }),
  resetForNextPerson: () => set((s) => ({ locale: s.defaultLocale, textSize: 'normal', highContrast: false, lowReach: false })),
}));
