import type { LayoutView } from '../../src-shared/api/kiosk';
import { useT } from './i18n';
import { useLayout } from './kiosk-context';

/**
 * A drawing of the bank with one compartment highlighted, placed by the layout's columns and rows, so a customer
 * looks at the right door at once. Sizes span rows where the layout gives taller compartments several rows.
 */
export function Bank({ highlight }: { highlight: string }) {
  const t = useT();
  const layout = useLayout();
  if (!layout) return null;
  return (
    <div
      className="bank"
      role="img"
      aria-label={t('door.bankLabel', { door: highlight })}
      data-testid="bank"
      style={{ gridTemplateColumns: `repeat(${layout.columns}, 1fr)`, gridTemplateRows: `repeat(${layout.rows}, 1fr)` }}
    >
      {layout.compartments.map((c) => (
        <div
          key={c.id}
          className={`slot${c.id === highlight ? ' target' : ''}`}
          data-compartment={c.id}
          style={{ gridColumn: c.column + 1, gridRow: `${c.row + 1} / span ${rowSpan(layout, c)}` }}
        >
          {c.id}
        </div>
      ))}
    </div>
  );
}

/** Rows a compartment covers: up to the next compartment below it in the same column. */
function rowSpan(layout: LayoutView, c: LayoutView['compartments'][number]): number {
  const below = layout.compartments.filter((o) => o.column === c.column && o.row > c.row).map((o) => o.row);
  const next = below.length ? Math.min(...below) : layout.rows;
  return Math.max(1, next - c.row);
}
