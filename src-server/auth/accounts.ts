import { createHmac } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import type { Q } from '../store/db';
import { isUniqueViolation, lockRows } from '../store/dialect';
import { ROLES, type Role } from './roles';

/**
 * Operator accounts (issue 12; ADR operator-auth): argon2id hashes through @node-rs/argon2 (its defaults: m = 19 MiB,
 * t = 2, p = 1, the OWASP minimum), e-mails lower-cased, a per-account lockout that answers the same for accounts that
 * do not exist.
 */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not an e-mail address');
/** 12 characters at least (NIST 800-63B asks 8; operators hold door-opening power), 200 at most (argon2 cost). */
export const Password = z.string().min(12, 'at least 12 characters').max(200);
export const OperatorName = z.string().trim().min(1).max(80);
export const RoleSchema = z.enum(ROLES);

export interface Operator {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  disabled: boolean;
}

export const hashPassword = (password: string): Promise<string> => hash(password);

/**
 * Creates an account. Throws HttpError DUPLICATE when the e-mail is taken, BAD_INPUT on a bad field. `q` may be a
 * transaction (the route writes the audit row in the same one).
 */
export async function createOperator(q: Q, now: number, input: { email: string; name: string; role: Role; password: string }): Promise<Operator> {
  const email = Email.parse(input.email);
  const passwordHash = await hashPassword(Password.parse(input.password));
  const row = { id: randomId('op_', 16), email, name: OperatorName.parse(input.name), role: input.role, password_hash: passwordHash, created_at: now, disabled_at: null };
  try {
    await q.insertInto('operators').values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new HttpError('DUPLICATE', `an operator with e-mail ${email} already exists`);
    throw err;
  }
  return toOperator(row);
}

export function toOperator(r: { id: string; email: string; name: string; role: Role; created_at: number; disabled_at: number | null }): Operator {
  return { id: r.id, email: r.email, name: r.name, role: r.role, createdAt: new Date(r.created_at).toISOString(), disabled: r.disabled_at !== null };
}

export async function listOperators(q: Q): Promise<Operator[]> {
  const rows = await q.selectFrom('operators').select(['id', 'email', 'name', 'role', 'created_at', 'disabled_at']).orderBy('email').execute();
  return rows.map(toOperator);
}

/** Lockout (per account, ADR operator-auth): after LOCK_AFTER wrong passwords in a row, a lock that doubles per lock. */
export const LOCKOUT = {
  /** Wrong passwords in a row before a lock. */
  lockAfter: 5,
  /** The first lock (ms); each later lock doubles it… */
  firstLockMs: 60_000,
  /** …up to this cap (ms). A lock never outlasts it, so an attacker cannot lock an operator out for long. */
  maxLockMs: 15 * 60_000,
  /** A failure streak older than this is forgotten (ms). */
  forgetAfterMs: 60 * 60_000,
} as const;

// A real argon2id hash of a random password: an unknown e-mail costs the same verify as a known one.
let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hash(randomId('', 24)));

export type SignInResult =
  | { ok: true; operator: Operator }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'locked'; retryAfterMs: number; lockedNow: boolean };

/**
 * Checks an e-mail and password. While the e-mail is locked, no password is checked at all. Every attempt is counted
 * against the e-mail as typed BEFORE its password is hashed (reserveAttempt; red-team 12 finding 2: checked first and
 * counted after the slow hash, N parallel guesses were all checked), so however many arrive at once, at most LOCK_AFTER
 * passwords are checked per lock window and the rest are answered as locked, unhashed. A wrong password (or an unknown
 * e-mail, or a disabled account) keeps its count; the LOCK_AFTER-th attempt starts the lock as it is counted
 * (`lockedNow` when it was wrong: the caller audits it); a right password clears streak and lock. The answer never says
 * how many attempts remain or whether the account exists: 'wrong' for every refusal outside a lock.
 */
export async function checkPassword(ctx: ServerContext, emailInput: string, password: string): Promise<SignInResult> {
  const parsed = Email.safeParse(emailInput);
  const email = parsed.success ? parsed.data : emailInput.trim().toLowerCase().slice(0, 254);
  const slot = await reserveAttempt(ctx, email, ctx.now());
  if (slot.locked) return { ok: false, reason: 'locked', retryAfterMs: slot.retryAfterMs, lockedNow: false };
  const q = ctx.store.db;
  const op = parsed.success ? await q.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst() : undefined;
  const good = await verify(op?.password_hash ?? (await dummyHash()), password.slice(0, 200)).catch(() => false);
  if (good && op && op.disabled_at === null) {
    await q.deleteFrom('signin_failures').where('email', '=', email).execute();
    return { ok: true, operator: toOperator(op) };
  }
  return slot.lockedMs === null ? { ok: false, reason: 'wrong' } : { ok: false, reason: 'locked', retryAfterMs: slot.lockedMs, lockedNow: true };
}

/**
 * How the audit log names whoever tried to sign in as `typed`: the operator's e-mail when one has it, otherwise
 * `unknown #<16 hex>`, a keyed digest (HMAC-SHA-256 under the vault key "signin-email-v1"). The audit log is never
 * pruned, and an e-mail that is no operator's is a typo of a person's address or an attacker's guess: either way
 * personal data we have no reason to keep, while the digest still shows one address tried many times.
 */
export async function signInAuditName(ctx: ServerContext, typed: string): Promise<string> {
  const email = typed.trim().toLowerCase();
  if (email === '') return '(empty)';
  const op = await ctx.store.db.selectFrom('operators').select('id').where('email', '=', email).executeTakeFirst();
  if (op) return email;
  return `unknown #${createHmac('sha256', ctx.keys.vault.derive('signin-email-v1')).update(email, 'utf8').digest('hex').slice(0, 16)}`;
}

/**
 * Drops failure streaks older than LOCKOUT.forgetAfterMs: the next attempt would start afresh anyway (see
 * reserveAttempt), and a lock never outlasts LOCKOUT.maxLockMs, so no live lock is lost. Without it every e-mail ever
 * typed wrong (an address as typed, personal data, or an attacker's junk) stayed forever. Run by the fleet sweep.
 * Returns how many rows it dropped.
 */
export async function pruneSigninFailures(q: Q, now: number): Promise<number> {
  const r = await q.deleteFrom('signin_failures').where('last_failure_at', '<', now - LOCKOUT.forgetAfterMs).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Counts one attempt for `email` in one transaction, or refuses it while the e-mail is locked: the row is created if
 * missing, then read under its lock (PostgreSQL `FOR UPDATE`; SQLite has one writer) and updated, so concurrent
 * attempts on any instance are counted one after the other. The LOCK_AFTER-th attempt of a streak writes the lock at
 * once (`lockedMs`), before its own password is checked: the attempts racing it are refused without a hash, and if it
 * turns out right, the sign-in clears the lock with the streak.
 */
async function reserveAttempt(ctx: ServerContext, email: string, now: number): Promise<{ locked: true; retryAfterMs: number } | { locked: false; lockedMs: number | null }> {
  return ctx.store.tx(async (q) => {
    await q
      .insertInto('signin_failures')
      .values({ email, failures: 0, locks: 0, locked_until: null, last_failure_at: now })
      // DO UPDATE, not DO NOTHING: on PostgreSQL it locks an existing row, so the sweep's prune cannot delete it
      // between this and the read below (which would then find no row: a 500 for a sign-in).
      .onConflict((oc) => oc.column('email').doUpdateSet((eb) => ({ email: eb.ref('excluded.email') })))
      .execute();
    const f = await lockRows(ctx.store.dialect, q.selectFrom('signin_failures').selectAll().where('email', '=', email)).executeTakeFirstOrThrow();
    if (f.locked_until !== null && f.locked_until > now) return { locked: true, retryAfterMs: f.locked_until - now };
    const stale = now - f.last_failure_at > LOCKOUT.forgetAfterMs;
    const failures = (stale ? 0 : f.failures) + 1;
    const locks = stale ? 0 : f.locks;
    const lock = failures >= LOCKOUT.lockAfter;
    const lockMs = Math.min(LOCKOUT.firstLockMs * 2 ** locks, LOCKOUT.maxLockMs);
    await q
      .updateTable('signin_failures')
      .set({ failures: lock ? 0 : failures, locks: lock ? locks + 1 : locks, locked_until: lock ? now + lockMs : null, last_failure_at: now })
      .where('email', '=', email)
      .execute();
    return { locked: false, lockedMs: lock ? lockMs : null };
  });
}
