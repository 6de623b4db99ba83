import crypto from 'node:crypto';
import { KioskError } from '../../src-shared/errors';
import { verifyBadge } from '../../src-common/badge-verify';
import { newId } from '../clock';
import type { Kit } from './kit';
import { Lockout } from './lockout';
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

/**
 * Staff sessions, in memory only: a restart ends them (the driver scans the badge again). Badges are verified
 * offline against the enrolled Ed25519 key and the revocation list the manifest brings.
 * Durations (idle limit, PIN cap, shift cap) run on the monotonic clock, so a wall-clock jump neither keeps a
 * session alive for the day the clock went back nor ends it at once when it went forward; only the badge's own
 * expiry is a calendar rule on the wall clock (issue 9 §4, docs/adr time ADR).
 */
export class SessionService {
  private readonly sessions = new Map<string, StaffSession>();
  readonly pinLockout: Lockout;

  constructor(private readonly kit: Kit) {
    this.pinLockout = new Lockout(kit, 'pin');
  }

  authBadge(token: string): StaffSession {
    const { kit } = this;
    const key = kit.repos.enrollment.getBadgePublicKey();
    if (!key) throw new KioskError('BADGE_INVALID', 'this kiosk has no badge key yet (not enrolled)');
    const now = kit.now();
    const result = verifyBadge(token, key, now, kit.repos.enrollment.revokedIds());
    if (!result.ok) {
      kit.tx(() => kit.audit('staff', 'auth.badge_refused', { reason: result.reason }));
      const code = result.reason === 'expired' ? 'BADGE_EXPIRED' : result.reason === 'revoked' ? 'BADGE_REVOKED' : 'BADGE_INVALID';
      throw new KioskError(code, `badge ${result.reason}`);
    }
    const { claims } = result;
    return this.open(claims.role, claims.bid, claims.name, claims.exp * 1000, 'badge');
  }

  authPin(pin: string): StaffSession {
    this.pinLockout.check();
    const { config } = this.kit.ctx;
    const demo = !config.server.url && config.serial.protocol === 'simulator';
    let valid: boolean;
    if (config.technicianPinHash) valid = verifyPin(pin, config.technicianPinHash);
    else if (demo) valid = pin.length === DEMO_TECHNICIAN_PIN.length && crypto.timingSafeEqual(Buffer.from(pin), Buffer.from(DEMO_TECHNICIAN_PIN));
    else throw new KioskError('NOT_AVAILABLE', 'no technician PIN is configured on this kiosk');
    if (!valid) this.pinLockout.reject('PIN_INVALID', 'wrong PIN');
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
    this.kit.tx(() => this.kit.audit(actorOf(session), 'auth.session_started', { via, role }));
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
    this.kit.tx(() => this.kit.audit(actorOf(s), 'auth.session_ended', {}));
    return true;
  }

  private prune(now: number, mono: number): void {
    for (const [id, s] of this.sessions) if (ended(s, now, mono)) this.sessions.delete(id);
  }
}

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
