import { z } from 'zod';
import { OperationId, PickupCode, Where, CompartmentId } from './common';

/** The 4-digit check code from the recipient's message, asked for when the keypad is hardened (ADR 0008 (code lockout)). */
export const CheckCode = z.string().regex(/^[0-9]{4}$/);
/** The token of an `LK2:` QR from the recipient's message (128 bits, base64url). */
export const QrToken = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

export const PickupStarted = z.object({
  operationId: OperationId,
  /** More parcels are waiting for the same recipient (entered with their own codes). */
  where: Where,
});

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
