import type { Layout } from '../src-shared/layout';
import type { EventName, EventPayload } from '../src-shared/events';
import type { KioskConfig } from './config';
import type { Clock, RandomSource } from './clock';
import type { Db } from './store/sqlite';
import type { DoorController } from './hardware/door-controller';
import type { Logger } from './log';
import type { Services } from './services/index';

/** The sync side as the rest of the kiosk sees it (src-main/sync implements it). */
export interface SyncHandle {
  status(): { status: 'online' | 'offline' | 'unknown'; lastSyncAt: string | null; outboxDepth: number; lastError: string | null };
  /** Ask for a sync soon (an event was queued). Never throws, never blocks the caller. */
  nudge(): void;
  /** Sync now and wait for it (maintenance "force sync"). */
  syncNow(): Promise<void>;
  /**
   * Pull the manifest now, waiting at most `maxWaitMs`: true if a pull completed in time. Never throws; false at once
   * when offline or unenrolled. A driver's scan of an unknown barcode asks before saying UNKNOWN_PARCEL (issue 11).
   */
  refreshManifest?(maxWaitMs: number): Promise<boolean>;
  /**
   * "I lost my code" (ADR customer-self-service): asks the fleet server to re-send the code of a parcel for `phone`
   * (E.164) waiting at this kiosk, in two steps: the question resolves with a `ticket` (null from a server that
   * re-issued at once, the old way) and nothing happens until `confirmLostCode(ticket)`. Both reject with a SyncError
   * (`http` 429 when limited, `network`/`config` when it cannot be asked; `maybeDelivered` on a timeout). Absent: no fleet.
   */
  requestLostCode?(phone: string): Promise<{ ticket: string | null }>;
  confirmLostCode?(ticket: string): Promise<void>;
  close(): Promise<void>;
}

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/**
 * Everything a service or API handler may use. Built once by core.ts; hardware and sync are injected so tests
 * can drive them (simulator, manual clock, a server on loopback).
 */
export interface KioskContext {
  config: KioskConfig;
  mode: 'electron' | 'host';
  version: string;
  /** Known after enrollment; 'unenrolled' before. */
  kioskId(): string;
  dataDir: string;
  db: Db;
  layout: Layout;
  doors: DoorController;
  /** The in-process simulator when `board.transport` is `simulator`; null on real hardware. */
  simulator: import('./hardware/index').BoardSimulatorHandle | null;
  sync: SyncHandle;
  clock: Clock;
  random: RandomSource;
  emit: Emit;
  log: Logger;
  /** Set right after construction (services need the rest of the context). */
  services: Services;
}
