/**
 * The closed set of error codes any kiosk API call can return. The renderer maps each to a message
 * catalogue key (`error.<CODE>`), so adding a code here means adding its text in every locale.
 */
export const ERROR_CODES = [
  'BAD_INPUT',
  'CODE_INVALID',
  'CODE_EXPIRED',
  /** A pickup entry matched a drop-off's code (ADR drop-offs): the screen switches to "Send or return a parcel" with it. */
  'SEND_CODE',
  /** A drop-off entry matched a pickup code: the screen switches to "Pick up a parcel" with it. */
  'PICKUP_CODE',
  'LOCKED_OUT',
  /** The keypad is hardened (ADR 0008 (code lockout)): send the 4-digit check code from the message with the code. */
  'CHECK_REQUIRED',
  /** Hardened keypad: too many entries already waiting for their paced answer; nothing was looked up. Try again. */
  'KEYPAD_BUSY',
  'DOOR_FAULT',
  'NO_COMPARTMENT',
  'UNKNOWN_PARCEL',
  'ALREADY_DEPOSITED',
  /** The parcel was delivered here and has since been picked up or collected: it is not in the locker any more. */
  'ALREADY_COMPLETED',
  'DUPLICATE_SCAN',
  'UNKNOWN_COMPARTMENT',
  'BADGE_INVALID',
  'BADGE_EXPIRED',
  'BADGE_REVOKED',
  'PIN_INVALID',
  'NOT_AUTHORISED',
  'SESSION_EXPIRED',
  'INVALID_STATE',
  'NOT_FOUND',
  'HARDWARE_OFFLINE',
  'NOT_AVAILABLE',
  'SERVER_UNREACHABLE',
  /** Too many requests of this kind (e.g. "I lost my code" per number or per kiosk): try again later. */
  'RATE_LIMITED',
  /** The kiosk's disk is full: nothing new can be recorded, so no new pickup or drop-off starts (doors still tracked). */
  'STORE_FULL',
  /** Another process holds the database's write lock longer than the kiosk waits: try again in a moment. */
  'STORE_BUSY',
  /** The database cannot be read or written (I/O error, corrupt page, read-only): needs a technician. */
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiError {
  code: ErrorCode;
  /** English, for logs and developers; the UI shows its own translated text for `code`. */
  message: string;
  /** Machine-readable extras, e.g. `{ retryAfterMs }` for LOCKED_OUT or `{ reference }` for DOOR_FAULT. */
  details?: Record<string, string | number | boolean | null>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** A named error that carries one of the closed codes; handlers throw it, the dispatcher turns it into a Result. */
export class KioskError extends Error {
  override readonly name = 'KioskError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ApiError['details'],
  ) {
    super(message);
  }

  toApiError(): ApiError {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** For exhaustive switches: the compiler proves this is unreachable. */
export function missingCase(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
