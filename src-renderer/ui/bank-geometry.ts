import type { LayoutView } from '../../src-shared/api/kiosk';

type Compartment = LayoutView['compartments'][number];
type Size = Compartment['size'];

/** Typical inside heights (cm) by size, used only where the layout cannot tell (the top compartment of a column). */
const NOMINAL_CM: Record<Size, number> = { S: 10, M: 19, L: 29, XL: 41 };
/** Drawn width of one column (cm). Real columns are 40–60 cm; the number only sets the drawing's proportions. */
export const COLUMN_CM = 45;

export interface SlotBox {
  id: string;
  size: Size;
  column: number;
  /** Position and size in cm: x from the left edge of the bank, y from the top of the tallest column downwards. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BankGeometry {
  width: number;
  height: number;
  /** Height of the plinth (floor to the lowest door), drawn so the bank reads as standing on the floor. */
  plinth: number;
  slots: SlotBox[];
}

/**
 * The bank to scale, from the layout's `heightCm` (the bottom edge of each door above the floor): a compartment
 * reaches up to the bottom of the one above it in its column; the top one of a column gets its size's usual height,
 * learned from the layout where the same size appears lower down, else a nominal figure. Columns keep their own
 * heights, so a customer sees the same silhouette as the steel in front of them.
 */
export function bankGeometry(layout: LayoutView): BankGeometry {
  const learned = learnHeights(layout);
  const placed: Array<{ c: Compartment; bottom: number; top: number }> = [];
  for (let col = 0; col < layout.columns; col++) {
    const column = layout.compartments.filter((c) => c.column === col).sort((a, b) => b.heightCm - a.heightCm);
    let above: number | null = null;
    for (const c of column) {
      const top = above ?? c.heightCm + learned[c.size];
      placed.push({ c, bottom: c.heightCm, top: Math.max(top, c.heightCm + 1) });
      above = c.heightCm;
    }
  }
  const highest = Math.max(...placed.map((p) => p.top));
  const plinth = Math.min(...placed.map((p) => p.bottom));
  const slots = placed.map(({ c, bottom, top }) => ({
    id: c.id,
    size: c.size,
    column: c.column,
    x: c.column * COLUMN_CM,
    y: highest - top,
    width: COLUMN_CM,
    height: top - bottom,
  }));
  return { width: layout.columns * COLUMN_CM, height: highest, plinth, slots };
}

/** Median gap per size between a compartment and the one above it, where the layout shows one. */
function learnHeights(layout: LayoutView): Record<Size, number> {
  const gaps: Record<Size, number[]> = { S: [], M: [], L: [], XL: [] };
  for (const c of layout.compartments) {
    const above = layout.compartments.filter((o) => o.column === c.column && o.heightCm > c.heightCm).map((o) => o.heightCm);
    if (above.length) gaps[c.size].push(Math.min(...above) - c.heightCm);
  }
  const out = { ...NOMINAL_CM };
  for (const size of Object.keys(gaps) as Size[]) {
    const g = gaps[size].sort((a, b) => a - b);
    if (g.length) out[size] = g[Math.floor(g.length / 2)]!;
  }
  return out;
}
