import type { KioskContext, SyncHandle } from '../context';

/** Placeholder until the fleet sync lands: reports honestly that nothing has synced. */
export async function createSync(_ctx: KioskContext): Promise<SyncHandle> {
  return {
    status: () => ({ status: 'unknown', lastSyncAt: null, outboxDepth: 0, lastError: null }),
    nudge() {},
    async syncNow() {},
    async close() {},
  };
}
