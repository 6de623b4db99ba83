import type { HeartbeatDisk } from '../src-shared/sync-protocol';
/**
 * The console's one way to the server: same-origin fetch to /console/api/ (the session cookie goes along by itself;
 * it is HttpOnly, so no script here ever sees it), the session's CSRF token on every state change, errors as
 * ApiError with the server's code and message (ADR operator-auth).
 */
export type Role = 'admin' | 'operator' | 'support';
export interface Me {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** An admin reset the password (ADR password-reset): the console shows only "choose your own" until it is changed. */
  mustChangePassword?: boolean;
}
export type Size = 'S' | 'M' | 'L' | 'XL';
export interface Kiosk {
  kioskId: string;
  layoutName: string | null;
  online: boolean;
  presence: 'online' | 'offline' | null;
  lastHeartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  capacity: Record<Size, number>;
  freeBySize: Record<Size, number> | null;
  faults: Array<{ code: string; compartmentId?: string; message?: string }>;
  outboxDepth: number | null;
  version: string | null;
  expected: number;
  inLocker: number;
  /** The disk as the last heartbeat said (ADR disk-bounds); null: an older kiosk, or no heartbeat yet. */
  disk: HeartbeatDisk | null;
}
export interface OperatorRow extends Me {
  createdAt: string;
  disabled: boolean;
}
export type { CarrierKeyView as CarrierKey } from '../src-shared/operator-audit';
export type { OperatorAuditEntry as AuditEntry } from '../src-shared/operator-audit';

/** A badge in the console's list (never its token). */
export interface BadgeRow {
  badgeId: string;
  role: 'driver' | 'technician';
  name: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
/** Called with the token from sign-in or the session answer. */
export function setCsrf(token: string): void {
  csrf = token;
}

/** Called when any answer says the session has ended (401): the app shows sign-in again. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`/console/api/${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const data = (await r.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!r.ok) {
    if (r.status === 401 && path !== 'sign-in') onSignedOut();
    throw new ApiError(r.status, data.error?.code ?? 'INTERNAL', data.error?.message ?? `the server answered ${r.status}`);
  }
  return data as T;
}

/** Role × action, as the server's table (src-server/auth/roles.ts) decides it; here only to hide what would be refused. */
export const can = {
  manageOperators: (r: Role) => r === 'admin',
  resetPasswords: (r: Role) => r === 'admin',
  manageCarrierKeys: (r: Role) => r === 'admin',
  manageAlerts: (r: Role) => r === 'admin',
  readAudit: (r: Role) => r !== 'support',
  issueBadges: (r: Role) => r !== 'support',
  issueTechnicianBadges: (r: Role) => r === 'admin',
  revokeBadges: (r: Role) => r !== 'support',
  createEnrollment: (r: Role) => r !== 'support',
};
