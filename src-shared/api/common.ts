import { z } from 'zod';

/** Shared building blocks of the API table. Every string has a hard length cap: input comes from anywhere. */
export const Empty = z.object({}).strict();
export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
export const OperationId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
export const CompartmentId = z.string().regex(/^[A-Z]{1,2}[0-9]{2,3}$/);
export const Barcode = z.string().regex(/^[A-Za-z0-9-]{4,40}$/);
export const PickupCode = z.string().regex(/^[0-9]{6}$/);
export const Size = z.enum(['S', 'M', 'L', 'XL']);
export type Size = z.infer<typeof Size>;
export const Locale = z.enum(['en', 'es', 'pl', 'de']);
export type Locale = z.infer<typeof Locale>;
export const IsoTime = z.string().max(40);

export const Position = z.object({
  column: z.number().int().min(0),
  row: z.number().int().min(0),
  heightCm: z.number().min(0),
});

/** What the door journal says about one unlock; pushed as the `operation` event and returned by `operationStatus`. */
export const DoorOpState = z.enum(['requested', 'unlocked', 'opened', 'closed', 'failed']);
export type DoorOpState = z.infer<typeof DoorOpState>;
/** `send`: a sender putting a drop-off in (ADR drop-offs); `dropoff` is a driver's delivery. */
export const DoorOpPurpose = z.enum(['pickup', 'dropoff', 'collection', 'maintenance', 'send']);
export const DoorOpOutcome = z.enum([
  'pending', // door not yet closed
  'completed', // the purpose is done (parcel taken / deposited / collected)
  'item_left', // pickup: door closed with the parcel still inside; the code still opens it
  'empty_on_close', // drop-off: door closed but no item sensed; nothing was deposited
  'jammed', // the door never read open: compartment out of service
  'cancelled',
]);
export const DoorOperation = z.object({
  operationId: OperationId,
  purpose: DoorOpPurpose,
  compartmentId: CompartmentId,
  state: DoorOpState,
  outcome: DoorOpOutcome,
  /** Pickup: until when the same code (or QR) reopens this door ("door closed too soon?"), even with the parcel taken. */
  graceUntil: IsoTime.nullable(),
  /** A short reference the customer can quote to support (jams, problems). */
  reference: z.string().nullable(),
});
export type DoorOperation = z.infer<typeof DoorOperation>;

export const Where = z.object({ compartmentId: CompartmentId, size: Size }).merge(Position);
