import type { ServerContext } from '../context';

/**
 * `full`: the commit is fsynced before we answer (synchronous=FULL, the default set by openDatabase). Needed
 * whenever the answer lets the kiosk forget something (acked events) or a carrier rely on it (intake).
 * `relaxed`: synchronous=NORMAL for this commit only: in WAL mode it survives a process crash but a power cut may
 * lose it. Used for heartbeats and for the nonce of a read-only manifest pull: losing one means a stale
 * availability figure, or a nonce forgotten while its request was harmless to replay anyway. The next `full`
 * commit fsyncs the WAL, relaxed frames included. This is what lets one server carry a 1,000-kiosk fleet on a
 * disk with millisecond fsyncs (bench/fleet-load.ts).
 */
export type Durability = 'full' | 'relaxed';

export function withDurability<T>(ctx: Pick<ServerContext, 'db'>, durability: Durability, run: () => T): T {
  if (durability === 'full') return run();
  ctx.db.pragma('synchronous = NORMAL');
  try {
    return run();
  } finally {
    ctx.db.pragma('synchronous = FULL');
  }
}
