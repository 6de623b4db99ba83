import { z } from 'zod';
import { Empty, Locale, OperationId, DoorOperation, DoorOpPurpose, DoorOpState, CompartmentId, Size, Position } from './common';

export const HardwareStatus = z.object({
  status: z.enum(['online', 'degraded', 'offline']),
  boardsOnline: z.number().int(),
  boardsTotal: z.number().int(),
  /** `simulator` or the board family on a real serial line (ADR 0022). */
  protocol: z.enum(['kerong-cu16', 'kerong-cu12', 'simulator']),
  /** Which family's bytes, also under the simulator; absent from an older core (read as cu16). */
  family: z.enum(['cu16', 'cu12']).optional(),
});
export const Connectivity = z.object({
  status: z.enum(['online', 'offline', 'unknown']),
  lastSyncAt: z.string().nullable(),
  outboxDepth: z.number().int(),
});

/** See the `store` event: why new pickups and drop-offs are refused, or `ok`. */
export const StoreStatus = z.enum(['ok', 'full', 'unavailable']);

export const KioskInfo = z.object({
  kioskId: z.string(),
  version: z.string(),
  locale: Locale,
  locales: z.array(Locale),
  mode: z.enum(['electron', 'host']),
  demo: z.boolean(),
  hardware: HardwareStatus,
  connectivity: Connectivity,
  freeBySize: z.record(Size, z.number().int()),
  /** Absent from an older core: read as `ok`. */
  store: StoreStatus.optional(),
});
export type KioskInfo = z.infer<typeof KioskInfo>;

export const LayoutView = z.object({
  name: z.string(),
  columns: z.number().int(),
  rows: z.number().int(),
  compartments: z.array(z.object({ id: CompartmentId, size: Size }).merge(Position)),
});
export type LayoutView = z.infer<typeof LayoutView>;

/**
 * A door operation not yet over, as a page that has just (re)loaded may see it: enough to say "please close door
 * A01", never the operation id, a code, a reopen token or who opened it (issue 10 §1).
 */
export const OperationInProgress = z.object({ purpose: DoorOpPurpose, compartmentId: CompartmentId, state: DoorOpState });
export type OperationInProgress = z.infer<typeof OperationInProgress>;

export const kioskCalls = {
  /** Who and how this kiosk is: the attract screen and status banner read it. */
  kioskInfo: { input: Empty, output: KioskInfo },
  /** The bank of compartments, for drawing "your door is here". */
  layoutGet: { input: Empty, output: LayoutView },
  /** Where a door operation stands (the same data is pushed as the `operation` event). */
  operationStatus: { input: z.object({ operationId: OperationId }).strict(), output: DoorOperation },
  /** Door operations not yet over (requested, unlocked, opened), oldest first: a (re)loaded page resumes from these. */
  operationsInProgress: { input: Empty, output: z.object({ operations: z.array(OperationInProgress) }) },
  /** Demo / QA only (protocol `simulator`): act on the simulated board as a person would. NOT_AVAILABLE otherwise. */
  simDoor: {
    input: z
      // `cut-bus-on-unlock`: the next unlock frame (any door) is lost and the bus stays cut until `mend-bus`.
      .object({ compartmentId: CompartmentId, action: z.enum(['close', 'open', 'put-item', 'remove-item', 'jam', 'unjam', 'cut-bus-on-unlock', 'mend-bus']) })
      .strict(),
    output: z.object({ compartmentId: CompartmentId, door: z.enum(['open', 'closed']), item: z.boolean() }),
  },
} as const;
