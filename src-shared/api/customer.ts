import { z } from 'zod';
import { OperationId, PickupCode, Where, CompartmentId } from './common';

export const PickupStarted = z.object({
  operationId: OperationId,
  /** More parcels are waiting for the same recipient (entered with their own codes). */
  where: Where,
});

export const customerCalls = {
  /**
   * A 6-digit code from the keypad or a scanned QR. Valid → the door is journaled and unlocked, and the result says
   * where it is. Errors: CODE_INVALID (details.attemptsLeft), CODE_EXPIRED, LOCKED_OUT (details.retryAfterMs),
   * DOOR_FAULT (details.reference), HARDWARE_OFFLINE.
   */
  pickupSubmitCode: {
    input: z.object({ code: PickupCode, source: z.enum(['keypad', 'scan']).default('keypad') }).strict(),
    output: PickupStarted,
  },
  /** "Door closed too soon? Reopen": only within the grace window of that operation. */
  pickupReopen: { input: z.object({ operationId: OperationId }).strict(), output: PickupStarted },
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
