import type { Size } from '../../src-shared/api/common';
import type { CompartmentRow } from '../store/compartments';

export interface WhereView {
  compartmentId: string;
  size: Size;
  column: number;
  row: number;
  heightCm: number;
}

/** "Your door is here": what the screen needs to highlight a compartment. */
export function where(c: CompartmentRow): WhereView {
  return { compartmentId: c.id, size: c.size, column: c.column, row: c.row, heightCm: c.heightCm };
}
