import { z } from 'zod';
import { DoorOperation, Empty, OperationId, PickupCode, Where } from './common';
import { CheckCode, QrToken } from './customer';

/** 128 bits, base64url: the answer's one-time token for "doesn't fit" (kept by main only as SHA-256, in memory). */
const FitToken = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

/**
 * A sender's drop-off has a compartment (ADR drop-offs). `confirmNeeded`: no item sensors here, so the screen asks the
 * sender to say "I put it in" (sendConfirm) before closing the door; with sensors the sensor confirms.
 */
export const SendStarted = z.object({
  operationId: OperationId,
  where: Where,
  confirmNeeded: z.boolean(),
  /** One-time proof for `sendDoesntFit` on this operation: no door opens without the code (ADR 0008). */
  fitToken: FitToken,
});

/**
 * Where the sender's drop-off stands when the page (re)loads (a reload or a renderer crash mid-visit, issues 10 and 13),
 * so its screen resumes at that step. Only the drop-off the screen itself was on: the door still open (`door`, with a
 * fresh one-time `fitToken` replacing the lost one), closed before "I put it in" (`asking`), or just deposited
 * (`receipt`, the reference in `op.reference`); the last two only for a short while after the door closed, and never
 * once the screen moved on (another door operation since, or the receipt dismissed). Never a code or anyone else's.
 */
export const SendResume = z.discriminatedUnion('step', [
  z.object({ step: z.literal('door'), started: SendStarted, op: DoorOperation, confirmed: z.boolean() }).strict(),
  z.object({ step: z.literal('asking'), op: DoorOperation }).strict(),
  z.object({ step: z.literal('receipt'), op: DoorOperation }).strict(),
]);
export type SendResume = z.infer<typeof SendResume>;

/**
 * "Send or return a parcel" (ADR drop-offs): the sender's code from their message opens a free compartment of the
 * booked size. Same code space and lockout as pickups: wrong entries here harden the pickup keypad too. When the door
 * closes on the parcel, the operation's `reference` is the receipt.
 */
export const sendCalls = {
  /**
   * The 6-digit drop-off code (with the check code when the keypad is hardened). Errors: CODE_INVALID (details.checkRequired
   * once hardened), CHECK_REQUIRED, CODE_EXPIRED (past the sender's deadline), PICKUP_CODE (it is a pickup code: switch
   * flows), KEYPAD_BUSY, NO_COMPARTMENT, DOOR_FAULT, HARDWARE_OFFLINE.
   */
  sendSubmitCode: {
    input: z.object({ code: PickupCode, check: CheckCode.optional(), source: z.enum(['keypad', 'scan']).default('keypad') }).strict(),
    output: SendStarted,
  },
  /** The `LK2:<token>` QR from the sender's message: outside the keypad's budget. Errors as sendSubmitCode, and ALREADY_DEPOSITED. */
  sendSubmitQr: { input: z.object({ token: QrToken }).strict(), output: SendStarted },
  /**
   * "Doesn't fit": the next size up opens, with the one-time `token` (`fitToken`) the operation's answer carried.
   * NO_COMPARTMENT (details.reason `does_not_fit`) when none is free; NOT_FOUND for a wrong or spent token.
   */
  sendDoesntFit: { input: z.object({ operationId: OperationId, token: FitToken }).strict(), output: SendStarted },
  /**
   * Boards without item sensors only: the sender says the parcel is inside (`inside: true`, before or just after the
   * close) or not (`inside: false`, after a close without it). Returns the operation (its `reference` is the receipt
   * once deposited). INVALID_STATE where sensors decide or the operation is already decided.
   */
  sendConfirm: { input: z.object({ operationId: OperationId, inside: z.boolean() }).strict(), output: DoorOperation },
  /** Asked once as the page loads: the sender's drop-off to resume, or null. Opens nothing by itself. */
  sendResume: { input: Empty, output: z.object({ resume: SendResume.nullable() }) },
  /**
   * The screen left this drop-off's receipt ("Done", "I have another code"): a reload from now on shows no trace of it,
   * even within the resume window (the next person may be at the screen already).
   */
  sendDismiss: { input: z.object({ operationId: OperationId }).strict(), output: Empty },
} as const;
