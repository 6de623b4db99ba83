import type { Kit } from './kit';

/** How often open doors are looked at (real time; the age of an opening is measured on the injected clock). */
export const DOOR_WATCH_INTERVAL_MS = 1000;

interface Opening {
  /** Monotonic ms (kit.mono()): a wall-clock jump neither hides an open door for a day nor raises a false alarm. */
  since: number;
  alarmed: boolean;
}

/**
 * "Door left open": a door that still reads open `config.doorLeftOpenSeconds` after it opened raises one
 * `door_left_open` alarm for the technician side, one audit entry and one `door.left_open` outbox event per opening
 * (it opens again → a new occurrence). Kept from the sensors, not from the journal, so it covers every door: one
 * whose operation ended while it stood open ("doesn't fit", "didn't open"), a forced one, one left after a restart.
 */
export class DoorWatch {
  private readonly open = new Map<string, Opening>();

  constructor(private readonly kit: Kit) {}

  /**
   * Starts timing an opening. `openedAt` (wall ms, the journal's `opened_at`) is an earlier known start; it only tells
   * how long ago that was (from 0, if the clock went back since, up to the alarm limit, if it went forward), and an
   * earlier start wins over a later one.
   */
  opened(compartmentId: string, openedAt?: number): void {
    const limit = this.kit.ctx.config.doorLeftOpenSeconds * 1000;
    const agoMs = openedAt === undefined ? 0 : Math.min(limit, Math.max(0, this.kit.now() - openedAt));
    const since = this.kit.mono() - agoMs;
    const known = this.open.get(compartmentId);
    if (!known) this.open.set(compartmentId, { since, alarmed: false });
    else if (since < known.since) known.since = since;
  }

  closed(compartmentId: string): void {
    this.open.delete(compartmentId);
  }

  /** At start-up (after reconciliation): doors that already read open, timed from their operation when there is one. */
  seed(): void {
    for (const c of this.kit.ctx.layout.compartments) {
      if (this.door(c.id) !== 'open') continue;
      this.opened(c.id, this.kit.repos.doorOps.activeFor(c.id)?.openedAt ?? undefined);
    }
  }

  /** Raises the alarm for doors open too long; returns how many were raised now. */
  check(): number {
    const { kit } = this;
    const now = kit.mono();
    const limit = kit.ctx.config.doorLeftOpenSeconds * 1000;
    let raised = 0;
    for (const [compartmentId, o] of this.open) {
      if (o.alarmed || now - o.since < limit) continue;
      const door = this.door(compartmentId);
      if (door === 'closed') {
        this.open.delete(compartmentId);
        continue;
      }
      if (door === null) continue; // cannot read it now: say nothing rather than guess
      o.alarmed = true;
      raised++;
      // Whole milliseconds: the monotonic clock is fractional, and the sync contract (and the alarm's reader) take ints.
      const openForMs = Math.round(now - o.since);
      const op = kit.repos.doorOps.activeFor(compartmentId);
      kit.tx(() => {
        kit.recordAlarm('door_left_open', compartmentId, 'system', 'door.left_open', { compartmentId, openForMs, operationId: op?.id ?? null, purpose: op?.purpose ?? null });
        kit.queue('door.left_open', { compartmentId, openForMs });
      });
      try {
        kit.ctx.emit('alarm', { kind: 'door_left_open', compartmentId });
      } catch (err) {
        kit.log.warn('emit failed', { error: String(err) });
      }
    }
    return raised;
  }

  private door(compartmentId: string): 'open' | 'closed' | null {
    try {
      return this.kit.ctx.doors.compartment(compartmentId).door;
    } catch {
      return null;
    }
  }
}
