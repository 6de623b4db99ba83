import { z } from 'zod';
import { OperationId, PickupCode, Where, CompartmentId } from './common';

/** The 4-digit check code from the recipient's message, asked for when the keypad is hardened (ADR 0008 (code lockout)). */
export const CheckCode = z.string().regex(/^[0-9]{4}$/);
/** The token of an `LK2:` QR from the recipient's message (128 bits, base64url). */
export const QrToken = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

export const PickupStarted = z.object({
  operationId: OperationId,
  where: Where,
  /**
   * How many more parcels wait here for the same recipient (ADR customer-self-service): after this door closes with
   * the parcel taken, `pickupOpenNext` opens the next one. A count only; nothing about any parcel is shown.
   */
  moreWaiting: z.number().int().min(0),
  /** With moreWaiting > 0: a one-time token for `pickupOpenNext` (the visit's proof that its code was entered). */
  nextToken: z.string().regex(/^[A-Za-z0-9_-]{22}$/).optional(),
});

/** The number a customer types on "I lost my code": E.164 (the screen puts the `+` in front of the digits). */
export const LostCodePhone = z.string().regex(/^\+[1-9][0-9]{6,14}$/);

export const customerCalls = {
  /**
   * A 6-digit code from the keypad or a scanned QR. Valid → the door is journaled and unlocked, and the result says
   * where it is. Errors: CODE_INVALID (details.checkRequired once the keypad is hardened), CHECK_REQUIRED (hardened:
   * send `check` too), CODE_EXPIRED, DOOR_FAULT (details.reference), HARDWARE_OFFLINE. Never a lockout (ADR 0008 (code lockout)).
   */
  pickupSubmitCode: {
    input: z.object({ code: PickupCode, check: CheckCode.optional(), source: z.enum(['keypad', 'scan']).default('keypad') }).strict(),
    output: PickupStarted,
  },
  /** The `LK2:<token>` QR from the message: outside the keypad's budget, never paced. Errors as pickupSubmitCode. */
  pickupSubmitQr: { input: z.object({ token: QrToken }).strict(), output: PickupStarted },
  /**
   * "All my parcels in one visit": the same recipient's next door, after the pickup `operationId` closed with its
   * parcel taken (a few minutes at most), with the one-time `token` its answer carried (`nextToken`). Errors: NOT_FOUND (nothing more waits), INVALID_STATE (door not closed,
   * parcel still inside, visit over, already opened), DOOR_FAULT, HARDWARE_OFFLINE.
   */
  pickupOpenNext: { input: z.object({ operationId: OperationId, token: z.string().regex(/^[A-Za-z0-9_-]{22}$/) }).strict(), output: PickupStarted },
  /**
   * "I lost my code": the fleet server re-sends a new code to `phone` if a parcel for it waits here. The answer is the
   * same whatever was found; `confirmed: false` when the server did not answer in time but may have acted on it (a new
   * code may still arrive). Errors: RATE_LIMITED (per number, per kiosk), SERVER_UNREACHABLE (surely not sent: try later).
   */
  lostCodeRequest: { input: z.object({ phone: LostCodePhone }).strict(), output: z.object({ accepted: z.literal(true), confirmed: z.boolean() }) },
  /** Whether the keypad asks for the check code now, so the screen shows that field from the start. */
  pickupKeypadMode: { input: z.object({}).strict(), output: z.object({ checkRequired: z.boolean() }) },
  /** "Report a problem": becomes an outbox event for the server; returns a reference for the customer. */
  pickupReportProblem: {
    input: z
      .object({
        operationId: OperationId.optional(),
        compartmentId: CompartmentId.optional(),
        kind: z.enum(['damaged', 'missing', 'wrong_parcel', 'door_problem', 'other']),
        note: z.string().max(500).optional(),
      })
      .strict(),
    output: z.object({ reference: z.string() }),
  },
} as const;
