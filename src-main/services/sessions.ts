import crypto from 'node:crypto';
import { KioskError } from '../../src-shared/errors';
import { verifyBadge } from '../../src-common/badge-verify';
import { newId } from '../clock';
import type { Kit } from './kit';
import { PinGuard, type PinPause } from './lockout';
import { verifyPin } from './pin-hash';

export type Role = 'driver' | 'technician';

export interface StaffSession {
  sessionId: string;
  role: Role;
  badgeId: string;
  name: string | null;
  /** Wall ms, for people: the badge's own expiry, or the PIN session's cap as it stood at sign-in. */
  expiresAt: number;
  /** Wall ms: the badge's own expiry, a calendar rule (checked against the wall clock); null for a PIN. */
  badgeExpiresAt: number | null;
  /** Monotonic ms (kit.mono()): the session's length cap, and the last call (the idle limit). */
  monoDeadline: number;
  lastActiveMono: number;
  /** Parcels the driver took back this visit (full locker, nothing fits). */
  keptByDriver: Array<{ barcode: string; reason: string }>;
}

/** A staff session ends after this long without a call (the driver walked away). */
export const SESSION_IDLE_MS = 5 * 60_000;
/** A PIN has no expiry of its own: cap its session. */
export const PIN_SESSION_MS = 60 * 60_000;
/** No badge session outlives a shift, whatever the badge's own expiry or the wall clock say. */
export const BADGE_SESSION_MAX_MS = 12 * 60 * 60_000;
/**
 * Only in demo mode: the simulated board with the embedded fleet server, and no technicianPinHash configured. A kiosk
 * on real lock boards never accepts a PIN printed in the README, even when it runs without a fleet server.
 */
export const DEMO_TECHNICIAN_PIN = '246810';
/** Staff audit entries held in memory while the store refuses writes; beyond this the oldest are dropped (and logged). */
export const MAX_PENDING_AUDIT = 200;

interface PendingAudit {
  at: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

/**
 * Staff sessions, in memory only: a restart ends them (the driver scans the badge again). Badges are verified
 * offline against the enrolled Ed25519 key and the revocation list the manifest brings.
 * Durations (idle limit, PIN cap, shift cap) run on the monotonic clock, so a wall-clock jump neither keeps a
 * session alive for the day the clock went back nor ends it at once when it went forward; only the badge's own
 * expiry is a calendar rule on the wall clock (issue 9 §4, docs/adr time ADR).
 */
export class SessionService {
  private readonly sessions = new Map<string, StaffSession>();
  readonly pinGuard: PinGuard;
  /** Sign-in/out audit entries the store could not take yet (full disk): written, with their own times, once it can. */
  private readonly pendingAudit: PendingAudit[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly kit: Kit) {
    this.pinGuard = new PinGuard(kit);
  }

  /** Whether PIN entry is paused, until when: the PIN screen says so before anything is typed. */
  pinStatus(): PinPause {
    return this.pinGuard.status();
  }

  authBadge(token: string): StaffSession {
    const { kit } = this;
    const key = kit.repos.enrollment.getBadgePublicKey();
    if (!key) throw new KioskError('BADGE_INVALID', 'this kiosk has no badge key yet (not enrolled)');
    const now = kit.now();
    const result = verifyBadge(token, key, now, kit.repos.enrollment.revokedIds());
    if (!result.ok) {
      this.record('staff', 'auth.badge_refused', { reason: result.reason });
      const code = result.reason === 'expired' ? 'BADGE_EXPIRED' : result.reason === 'revoked' ? 'BADGE_REVOKED' : 'BADGE_INVALID';
      throw new KioskError(code, `badge ${result.reason}`);
    }
    const { claims } = result;
    const session = this.open(claims.role, claims.bid, claims.name, claims.exp * 1000, 'badge');
    // A technician at the kiosk with a verified badge ends a PIN pause (audited, the fleet told).
    if (claims.role === 'technician') this.pinGuard.clear(actorOf(session), claims.bid);
    return session;
  }

  /** The technician PIN: LOCKED_OUT while paused (details.pausedUntil), PIN_INVALID when wrong; no attempts-left count. */
  authPin(pin: string): StaffSession {
    this.pinGuard.check();
    const { config } = this.kit.ctx;
    const demo = !config.server.url && config.board.transport === 'simulator';
    let valid: boolean;
    if (config.technicianPinHash) valid = verifyPin(pin, config.technicianPinHash);
    else if (demo) valid = pin.length === DEMO_TECHNICIAN_PIN.length && crypto.timingSafeEqual(Buffer.from(pin), Buffer.from(DEMO_TECHNICIAN_PIN));
    else throw new KioskError('NOT_AVAILABLE', 'no technician PIN is configured on this kiosk');
    if (!valid) this.pinGuard.reject();
    return this.open('technician', 'pin', 'Technician (PIN)', null, 'pin');
  }

  /** `badgeExpiresAt`: wall ms, the badge's own expiry; null for a PIN session (capped at PIN_SESSION_MS). */
  private open(role: Role, badgeId: string, name: string | null, badgeExpiresAt: number | null, via: 'badge' | 'pin'): StaffSession {
    const now = this.kit.now();
    const mono = this.kit.mono();
    this.prune(now, mono);
    const capMs = badgeExpiresAt === null ? PIN_SESSION_MS : BADGE_SESSION_MAX_MS;
    const session: StaffSession = {
      sessionId: newId(this.kit.ctx.random, 18),
      role,
      badgeId,
      name,
      expiresAt: badgeExpiresAt === null ? now + capMs : Math.min(badgeExpiresAt, now + capMs),
      badgeExpiresAt,
      monoDeadline: mono + capMs,
      lastActiveMono: mono,
      keptByDriver: [],
    };
    this.sessions.set(session.sessionId, session);
    this.record(actorOf(session), 'auth.session_started', { via, role });
    return session;
  }

  /** The live session with one of `roles`, touched; SESSION_EXPIRED / NOT_AUTHORISED otherwise. */
  require(sessionId: string, roles: readonly Role[]): StaffSession {
    const now = this.kit.now();
    const mono = this.kit.mono();
    const s = this.sessions.get(sessionId);
    // A badge revoked while its session is open (the manifest brought the revocation) ends that session at its next call.
    const revoked = s !== undefined && s.badgeId !== 'pin' && this.kit.repos.enrollment.isRevoked(s.badgeId);
    if (!s || revoked || ended(s, now, mono)) {
      if (s) this.sessions.delete(sessionId);
      throw new KioskError('SESSION_EXPIRED', 'please scan your badge again');
    }
    if (!roles.includes(s.role)) throw new KioskError('NOT_AUTHORISED', `this needs a ${roles.join(' or ')} badge`);
    s.lastActiveMono = mono;
    return s;
  }

  end(sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    this.sessions.delete(sessionId);
    this.record(actorOf(s), 'auth.session_ended', {});
    return true;
  }

  /**
   * A staff sign-in/out audit entry. Staff must be able to sign in while the store refuses writes (a full disk is when
   * a technician is needed, red-team finding 5a): then the entry is kept in memory, with its own time, and written
   * (marked `deferred`) as soon as the store takes writes again: on the next staff call or a retry timer. Entries are
   * written in order; anything but a store refusal is thrown as before.
   */
  private record(actor: string, action: string, detail: Record<string, unknown>): void {
    const { kit } = this;
    const at = kit.now();
    if (this.pendingAudit.length === 0) {
      try {
        kit.tx(() => kit.repos.audit.append(at, actor, action, detail));
        return;
      } catch (err) {
        if (!(err instanceof KioskError) || !STORE_REFUSALS.has(err.code)) throw err;
      }
    }
    this.pendingAudit.push({ at, actor, action, detail: { ...detail, deferred: true } });
    if (this.pendingAudit.length > MAX_PENDING_AUDIT) {
      const dropped = this.pendingAudit.shift()!;
      kit.log.error('staff audit entry dropped: the store has refused writes too long', { action: dropped.action });
    }
    kit.log.warn('staff audit entry kept in memory until the store takes writes', { action, pending: this.pendingAudit.length });
    this.flushAudit();
  }

  /** Writes the held entries (in order, with their own times) in one transaction; on a store refusal retries later. */
  private flushAudit(): void {
    const { kit } = this;
    if (this.pendingAudit.length === 0) return;
    const batch = [...this.pendingAudit];
    try {
      kit.tx(() => {
        for (const e of batch) kit.repos.audit.append(e.at, e.actor, e.action, e.detail);
      });
      this.pendingAudit.splice(0, batch.length);
    } catch (err) {
      if (!(err instanceof KioskError) || !STORE_REFUSALS.has(err.code)) throw err;
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      try {
        this.flushAudit();
      } catch (err) {
        this.kit.log.error('staff audit flush failed', { error: (err as Error).message });
      }
    }, FLUSH_RETRY_MS);
    this.flushTimer.unref?.();
  }

  private prune(now: number, mono: number): void {
    for (const [id, s] of this.sessions) if (ended(s, now, mono)) this.sessions.delete(id);
  }
}

const STORE_REFUSALS: ReadonlySet<string> = new Set(['STORE_FULL', 'STORE_BUSY', 'STORE_UNAVAILABLE']);
/** How often held staff audit entries are retried while the store refuses writes (ms). */
const FLUSH_RETRY_MS = 1_000;

/** Over: idle too long or past its cap (monotonic ms), or its badge expired (wall ms, a calendar rule). */
function ended(s: StaffSession, now: number, mono: number): boolean {
  return mono >= s.monoDeadline || mono - s.lastActiveMono > SESSION_IDLE_MS || (s.badgeExpiresAt !== null && now >= s.badgeExpiresAt);
}

export function actorOf(s: Pick<StaffSession, 'role' | 'badgeId'>): string {
  return `${s.role}:${s.badgeId}`;
}

export function sessionView(s: StaffSession, iso: (ms: number) => string) {
  return { sessionId: s.sessionId, role: s.role, badgeId: s.badgeId, name: s.name, expiresAt: iso(s.expiresAt) };
}
