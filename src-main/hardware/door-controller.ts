/**
 * What the services need from the doors, whatever drives them. The Kerong CU16 driver implements it over a serial
 * port; in the demo and in tests that port is connected to the board simulator, so the driver is always real.
 *
 * Honesty rules: `unlock` resolves when the frame is on the wire, never "the door opened"; opening is only ever
 * reported from a state read (`opened` event). A door that reads open is still unlocked when asked (sensors lie).
 * An unlock whose door already reads open (left ajar) is reported `opened` by the first read after it: the level
 * counts, not only an edge, or the operation would wait forever for an edge that never comes.
 */
export type DoorEvent =
  | { type: 'opened'; compartmentId: string; at: number }
  | { type: 'closed'; compartmentId: string; at: number }
  /** Read open with no unlock from us within the recent window. */
  | { type: 'forced-open'; compartmentId: string; at: number }
  /**
   * Unlocked, and a read after the jam threshold still shows it shut; or (`blind: true`) the board stayed unreadable
   * past the ceiling, or was not watched between the unlock and the deadline, so nobody knows whether it opened: the
   * next read decides (ADR door-truth). `read: true`: that read is the one that just landed (decide from it now).
   */
  | { type: 'jammed'; compartmentId: string; at: number; blind?: boolean; read?: boolean }
  | { type: 'item-present'; compartmentId: string; at: number }
  | { type: 'item-absent'; compartmentId: string; at: number }
  | { type: 'board-offline'; board: number; at: number }
  | { type: 'board-online'; board: number; at: number }
  | { type: 'port-down'; at: number; error: string }
  | { type: 'port-up'; at: number };

export interface CompartmentState {
  compartmentId: string;
  /** null until the board has been read once (or while it is offline). */
  door: 'open' | 'closed' | null;
  /** null when the installation has no item sensors, or before the first read. */
  item: boolean | null;
}

export interface BoardState {
  board: number;
  online: boolean;
  /** Raw bytes as received, before polarity: LOCKS_1_8, LOCKS_9_16, IR_1_8, IR_9_16. null before the first read. */
  raw: { locks: [number, number]; ir: [number, number] } | null;
  readAt: number | null;
  /**
   * The driver has given up on this board: its last read attempt (with retries) got no answer, whether or not it
   * ever answered before. False while it answers or before any read has been tried. Optional for other drivers.
   */
  silent?: boolean;
}

export interface DoorHealth {
  port: 'open' | 'opening' | 'closed' | 'reconnecting';
  path: string;
  boards: Array<{ board: number; online: boolean }>;
  framesSent: number;
  framesBad: number;
  timeouts: number;
  retries: number;
  lastError: string | null;
  /** Added with the Kerong driver; optional so other implementations need not provide them. */
  bytesDropped?: number;
  framesReceived?: number;
  reconnectAttempts?: number;
}

export interface DoorController {
  /**
   * Puts the unlock frame for this compartment on the wire (queued behind any frame in flight).
   * Throws HardwareError: UNKNOWN_COMPARTMENT (nothing sent), HARDWARE_OFFLINE (port down: nothing sent).
   * Starts jam detection: if a read after the jam threshold still shows the door shut, a `jammed` event follows
   * (while the board cannot be read, the verdict waits for its next answer, up to a ceiling).
   */
  unlock(compartmentId: string): Promise<void>;
  /** Reads one board's state now (through the same queue). Throws HardwareError HARDWARE_OFFLINE on timeout. */
  readBoard(board: number): Promise<BoardState>;
  /** Last known state of a compartment, from the most recent poll. */
  compartment(compartmentId: string): CompartmentState;
  boards(): BoardState[];
  health(): DoorHealth;
  /** Poll fast while someone waits for a door (a flow is open), slow at rest. */
  setAttentive(attentive: boolean): void;
  on(listener: (event: DoorEvent) => void): () => void;
  close(): Promise<void>;
}
