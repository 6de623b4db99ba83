import { z } from 'zod';
import { BOARD_FAMILIES, type BoardFamily } from './hardware/family';

/** A serial device the kiosk may open: an absolute path (/dev/ttyUSB0, /dev/serial/by-id/…) or COMn on Windows. */
const DEVICE = /^(\/.+|COM\d{1,3})$/;

/**
 * `board` in the configuration (ADR 0022): which lock-board family speaks on the line, and where the line goes.
 * `transport` is `simulator` (the in-process simulator of that family: the demo) or a serial device path.
 */
export const BoardSection = z
  .object({
    family: z.enum(BOARD_FAMILIES).optional(),
    transport: z
      .string()
      .min(1)
      .refine((t) => t === 'simulator' || DEVICE.test(t), 'expected "simulator" or a serial device path such as /dev/ttyUSB0')
      .optional(),
  })
  .strict();

/** The resolved choice every reader uses (`config.board`): never the old `serial.protocol`. */
export interface BoardChoice {
  family: BoardFamily;
  /** `simulator`, or the serial device path. */
  transport: string;
}

export type BoardChoiceResult = { ok: true; board: BoardChoice } | { ok: false; path: string[]; message: string };

/**
 * Resolves `board` against the old `serial.protocol` / `serial.path` so configuration files written before families
 * existed keep meaning what they meant: `simulator` = a CU16 on the in-process simulator, `kerong-cu16` = a serial
 * line at `serial.path` (required). A `board` field, where given, wins (`--protocol kerong-cu16 --serial-path X
 * --board-family cu12` is a CU12 on X); `serial.path` alone never turns the simulator into a real port, as before.
 */
export function resolveBoardChoice(board: z.infer<typeof BoardSection> | undefined, serial: { protocol: 'kerong-cu16' | 'simulator'; path?: string | undefined }): BoardChoiceResult {
  const family = board?.family ?? 'cu16';
  if (board?.transport) return { ok: true, board: { family, transport: board.transport } };
  if (serial.protocol === 'simulator') return { ok: true, board: { family, transport: 'simulator' } };
  if (!serial.path) return { ok: false, path: ['serial', 'path'], message: 'required when serial.protocol is kerong-cu16 (e.g. --serial-path /dev/ttyUSB0)' };
  return { ok: true, board: { family, transport: serial.path } };
}
