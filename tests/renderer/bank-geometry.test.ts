import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LayoutView } from '../../src-shared/api/kiosk';
import { bankGeometry, COLUMN_CM } from '../../src-renderer/ui/bank-geometry';

const layout = (name: string): LayoutView => JSON.parse(fs.readFileSync(path.resolve('resources/layouts', `${name}.json`), 'utf8')) as LayoutView;
const slot = (g: ReturnType<typeof bankGeometry>, id: string) => g.slots.find((s) => s.id === id)!;

describe('bank drawing to scale', () => {
  it('demo-24: each door is as tall as the gap to the door above it, so an XL is four times an S', () => {
    const g = bankGeometry(layout('demo-24'));
    expect(g.slots).toHaveLength(24);
    expect(slot(g, 'A02').height).toBe(10); // S: 155 − 145
    expect(slot(g, 'A05').height).toBe(19); // M
    expect(slot(g, 'A07').height).toBe(29); // L
    expect(slot(g, 'A08').height).toBe(41); // XL: 49 − 8
    // The top door of a column has nothing above it: it gets the height its size has lower down.
    expect(slot(g, 'A01').height).toBe(10);
    expect(slot(g, 'A09').height).toBe(10);
    expect(g.plinth).toBe(8);
  });

  it('columns keep their own heights and stand on the same floor', () => {
    const g = bankGeometry(layout('demo-24'));
    // Column 1 (A09 at 174 cm) is the tallest: its top door touches the top of the drawing; column 0 starts lower.
    expect(slot(g, 'A09').y).toBe(0);
    expect(slot(g, 'A01').y).toBe(g.height - (155 + 10));
    for (const id of ['A08', 'A16', 'A24']) expect(slot(g, id).y + slot(g, id).height).toBe(g.height - 8);
    expect(g.width).toBe(3 * COLUMN_CM);
  });

  it('bank-32: four columns, no door overlaps another in its column', () => {
    const g = bankGeometry(layout('bank-32'));
    expect(g.width).toBe(4 * COLUMN_CM);
    for (let col = 0; col < 4; col++) {
      const inCol = g.slots.filter((s) => s.column === col).sort((a, b) => a.y - b.y);
      for (let i = 1; i < inCol.length; i++) expect(inCol[i]!.y).toBeCloseTo(inCol[i - 1]!.y + inCol[i - 1]!.height);
      for (const s of inCol) expect(s.height).toBeGreaterThan(0);
    }
  });
});
