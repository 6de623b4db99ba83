import type { KioskContext } from '../context';

/**
 * The use cases (pickup, drop-off, collection, maintenance, expiry sweep, crash recovery), built once per kiosk.
 * core.ts calls `createServices` after the store and doors are up, then `start()`; `stop()` on shutdown.
 */
export interface Services {
  /** Start-up: reconcile unfinished door operations, sweep expiries, start the schedules. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Free compartments per size, derived from the store (attract screen, heartbeat). */
  freeBySize(): Record<'S' | 'M' | 'L' | 'XL', number>;
}

export function createServices(_ctx: KioskContext): Services {
  return {
    async start() {},
    async stop() {},
    freeBySize: () => ({ S: 0, M: 0, L: 0, XL: 0 }),
  };
}
