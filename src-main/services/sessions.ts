import crypto from 'node:crypto';
import { KioskError } from '../../src-shared/errors';
import { verifyBadge } from '../../src-server/auth/badge-verify';
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
  /** ms: the badge's own expiry (or the PIN session's cap). */
  expiresAt: number;
  lastActiveAt: number;
  /** Parcels the driver took back this visit (full locker, nothing fits). */
  keptByDriver: Array<{ barcode: string; reason: string }>;
}

/** A staff session ends after this long without a call (the driver walked away). */
export const SESSION_IDLE_MS = 5 * 60_000;
/** A PIN has no expiry of its own: cap its session. */
export const PIN_SESSION_MS = 60 * 60_000;
/**
 * Only in demo mode: the simulated board with the embedded fleet server, and no technicianPinHash configured. A kiosk
 * on real lock boards never accepts a PIN printed in the README, even when it runs without a fleet server.
 */
export const DEMO_TECHNICIAN_PIN = '246810';

/**
 * Staff sessions, in memory only: a restart ends them (the driver scans the badge again). Badges are verified
 * offline against the enrolled Ed25519 key and the revocation list the manifest brings.
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
    return this.open('technician', 'pin', 'Technician (PIN)', this.kit.now() + PIN_SESSION_MS, 'pin');
  }

  private open(role: Role, badgeId: string, name: string | null, expiresAt: number, via: 'badge' | 'pin'): StaffSession {
    const now = this.kit.now();
    this.prune(now);
    const session: StaffSession = { sessionId: newId(this.kit.ctx.random, 18), role, badgeId, name, expiresAt, lastActiveAt: now, keptByDriver: [] };
    this.sessions.set(session.sessionId, session);
    this.kit.tx(() => this.kit.audit(actorOf(session), 'auth.session_started', { via, role }));
    return session;
  }

  /** The live session with one of `roles`, touched; SESSION_EXPIRED / NOT_AUTHORISED otherwise. */
  require(sessionId: string, roles: readonly Role[]): StaffSession {
    const now = this.kit.now();
    const s = this.sessions.get(sessionId);
    // A badge revoked while its session is open (the manifest brought the revocation) ends that session at its next call.
    const revoked = s !== undefined && s.badgeId !== 'pin' && this.kit.repos.enrollment.isRevoked(s.badgeId);
    if (!s || revoked || now >= s.expiresAt || now - s.lastActiveAt > SESSION_IDLE_MS) {
      if (s) this.sessions.delete(sessionId);
      throw new KioskError('SESSION_EXPIRED', 'please scan your badge again');
    }
    if (!roles.includes(s.role)) throw new KioskError('NOT_AUTHORISED', `this needs a ${roles.join(' or ')} badge`);
    s.lastActiveAt = now;
    return s;
  }

  end(sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    this.sessions.delete(sessionId);
    this.kit.tx(() => this.kit.audit(actorOf(s), 'auth.session_ended', {}));
    return true;
  }

  private prune(now: number): void {
    for (const [id, s] of this.sessions) if (now >= s.expiresAt || now - s.lastActiveAt > SESSION_IDLE_MS) this.sessions.delete(id);
  }
}

export function actorOf(s: Pick<StaffSession, 'role' | 'badgeId'>): string {
  return `${s.role}:${s.badgeId}`;
}

export function sessionView(s: StaffSession, iso: (ms: number) => string) {
  return { sessionId: s.sessionId, role: s.role, badgeId: s.badgeId, name: s.name, expiresAt: iso(s.expiresAt) };
}
