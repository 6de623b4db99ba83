import { createHmac } from 'node:crypto';
import { KioskError } from '../../src-shared/errors';
import type { Kit } from './kit';

/**
 * The kiosk's own limits for "I lost my code" (ADR customer-self-service), before the fleet server's: a number may ask
 * `perNumber` times in `numberWindowMs`, the kiosk `perKiosk` times in `kioskWindowMs`. They hold offline too and
 * spare the server a flood from one screen. Fixed here rather than configured: they protect people, not capacity.
 */
export const LOST_CODE_LIMITS = { perNumber: 3, numberWindowMs: 24 * 3600_000, perKiosk: 10, kioskWindowMs: 3600_000 } as const;
/** Request rows are kept as long as the longest window counts them (the expiry sweep prunes older ones). */
export const LOST_CODE_KEEP_MS = Math.max(LOST_CODE_LIMITS.numberWindowMs, LOST_CODE_LIMITS.kioskWindowMs);
/** How long the kiosk waits for the manifest carrying the new digests, so the old code stops here at once. */
const REFRESH_WAIT_MS = 2_000;

/**
 * "I lost my code" at the kiosk: the customer types the phone number their parcel was sent to; the kiosk asks the fleet
 * server, which re-issues the code of any parcel for that number waiting HERE and texts it to that number only. The
 * answer is `{accepted: true, confirmed}` whatever the server found (no enumeration: the screen shows one text);
 * `confirmed: false` when the server did not answer in time but may have acted (the screen says a code may still come).
 * Errors:
 * RATE_LIMITED (this kiosk's limits, or the server's, which are the same for every number), SERVER_UNREACHABLE
 * (offline, not enrolled, or the server failed: "try again later"). The number is never stored or logged: the limit
 * rows keep HMAC-SHA256(kioskSecret, number); the audit entry says only that a request was made.
 */
export class LostCodeService {
  constructor(private readonly kit: Kit) {}

  async request(phone: string): Promise<{ accepted: true; confirmed: boolean }> {
    const { kit } = this;
    const secret = kit.repos.enrollment.getKioskSecret();
    const sync = kit.ctx.sync;
    if (!secret || !sync.requestLostCode) throw unreachable();
    const digest = createHmac('sha256', secret).update(`lost-code-number:${phone}`, 'utf8').digest('hex');
    const now = kit.now();
    const count = (sql: string, ...args: unknown[]) => (kit.repos.db.prepare(sql).get(...args) as { n: number }).n;
    if (count('SELECT count(*) AS n FROM lost_code_requests WHERE number_digest = ? AND at > ?', digest, now - LOST_CODE_LIMITS.numberWindowMs) >= LOST_CODE_LIMITS.perNumber) {
      throw limited();
    }
    if (count('SELECT count(*) AS n FROM lost_code_requests WHERE at > ?', now - LOST_CODE_LIMITS.kioskWindowMs) >= LOST_CODE_LIMITS.perKiosk) throw limited();
    // Step one: the server looks and counts, nothing more. No answer in time, whatever the reason, changes nothing
    // there (an unconfirmed question is never acted on), so "try again later" is true.
    let ticket: string | null;
    try {
      ({ ticket } = await sync.requestLostCode(phone)); // called on the handle: the sync client's method needs its `this`
    } catch (err) {
      const e = err as { kind?: string; status?: number | null };
      if (e.kind !== 'http' || e.status !== 429) {
        kit.log.warn('lost code request not delivered', { reason: e.kind ?? 'error' });
        throw unreachable();
      }
      this.record(now, digest, 'lost_code.requested', { limitedByServer: true });
      throw limited();
    }
    // Step two: the server re-issues. A timeout here is the one answer that is truly unknown: the screen says a code
    // MAY come, never "try again" as if nothing happened.
    let outcome: 'sent' | 'unknown' | 'not_sent' = 'sent';
    if (ticket !== null) {
      try {
        if (!sync.confirmLostCode) throw new Error('no way to confirm');
        await sync.confirmLostCode(ticket);
      } catch (err) {
        const e = err as { kind?: string; maybeDelivered?: boolean };
        outcome = e.kind === 'network' && e.maybeDelivered ? 'unknown' : 'not_sent';
      }
    }
    // Counted once the server has heard the question; an attempt that never reached it is not held against anyone.
    this.record(now, digest, outcome === 'unknown' ? 'lost_code.unconfirmed' : 'lost_code.requested', { limitedByServer: false, sent: outcome === 'sent' });
    if (outcome === 'not_sent') throw unreachable();
    // The new digests come with the manifest: pull now, so the old code stops opening here within seconds.
    void kit.ctx.sync.refreshManifest?.(REFRESH_WAIT_MS);
    return { accepted: true, confirmed: outcome === 'sent' };
  }

  private record(now: number, digest: string, action: 'lost_code.requested' | 'lost_code.unconfirmed', details: Record<string, boolean>): void {
    const { kit } = this;
    kit.tx(() => {
      kit.repos.db.prepare('INSERT INTO lost_code_requests (at, number_digest) VALUES (?, ?)').run(now, digest);
      kit.audit('customer', action, details);
    });
  }
}

function limited(): KioskError {
  return new KioskError('RATE_LIMITED', 'too many code requests from this number or this locker; try again later');
}

function unreachable(): KioskError {
  return new KioskError('SERVER_UNREACHABLE', 'the locker cannot reach the parcel service right now; try again later');
}
