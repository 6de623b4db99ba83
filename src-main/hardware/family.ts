import type { Layout } from '../../src-shared/layout';
import { ConfigError } from '../config-error';

/**
 * The lock-board families the kiosk can drive (ADR 0022). The family says which bytes go on the line; where the line
 * goes (a serial device, or the in-process simulator) is the transport, chosen separately.
 */
export const BOARD_FAMILIES = ['cu16', 'cu12'] as const;
export type BoardFamily = (typeof BOARD_FAMILIES)[number];

/** What each family can do, from its protocol note (../shared/docs/protocols/). */
export const FAMILY_TRAITS: Record<BoardFamily, { locksPerBoard: number; itemSensors: boolean; label: string }> = {
  cu16: { locksPerBoard: 16, itemSensors: true, label: 'Kerong CU16' },
  /** No IR inputs on a CU12: item presence is unknown (null), never "empty" (ADR 0022). */
  cu12: { locksPerBoard: 12, itemSensors: false, label: 'Kerong CU12' },
};

/** The bundled layout to use when none is configured: one whose locks the family has. */
export const DEFAULT_LAYOUT: Record<BoardFamily, string> = { cu16: 'demo-24', cu12: 'cu12-24' };

/**
 * Throws ConfigError naming the first compartment whose lock the family's boards do not have (a CU12 has locks 0-11:
 * a layout drawn for the CU16 would send unlocks to locks that do not exist, and never see those doors).
 */
export function assertLayoutFits(layout: Layout, family: BoardFamily): void {
  const { locksPerBoard, label } = FAMILY_TRAITS[family];
  const bad = layout.compartments.find((c) => c.lock >= locksPerBoard);
  if (bad)
    throw new ConfigError(
      `layout "${layout.name}": compartment ${bad.id} is on lock ${bad.lock}, but a ${label} board has locks 0-${locksPerBoard - 1} (bundled for ${family}: ${DEFAULT_LAYOUT[family]})`,
    );
}
