import { z } from 'zod';
import { CompartmentId, DoorOperation, Size } from './api/common';
import { Connectivity, HardwareStatus, StoreStatus } from './api/kiosk';

/** Events main pushes to the renderer (ipc `kiosk:event` / host WebSocket `{event, payload}`). */
export const events = {
  /** A door or item sensor changed, as read from the board. */
  door: z.object({ compartmentId: CompartmentId, door: z.enum(['open', 'closed']), item: z.boolean().nullable() }),
  /** A journaled door operation moved on. */
  operation: DoorOperation,
  hardware: HardwareStatus,
  connectivity: Connectivity,
  /** A door read open without an unlock from the kiosk, or a jam: for the technician side and the audit log. */
  alarm: z.object({ kind: z.enum(['forced_open', 'jammed', 'door_left_open', 'unexpected_item']), compartmentId: CompartmentId }),
  /** Free compartments per size changed (service state, deposit, pickup, collection, expiry, reservation). */
  availability: z.object({ freeBySize: z.record(Size, z.number().int()) }),
  /**
   * The kiosk store's health changed: `full` (disk full) or `unavailable` (I/O error) → no new pickup or drop-off
   * starts and the screen says "temporarily out of order"; `ok` → back by itself (a probe write succeeded).
   */
  store: z.object({ status: StoreStatus }),
  /** One barcode read by a serial (RS232/USB-CDC) scanner attached to main; keyboard-wedge scanners reach the page directly. */
  scan: z.object({ text: z.string().min(1).max(2048), source: z.literal('serial') }),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];
