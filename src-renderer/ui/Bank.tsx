import { useMemo } from 'react';
import { bankGeometry } from './bank-geometry';
import { useT } from './i18n';
import { useLayout } from './kiosk-context';

const pct = (part: number, whole: number): string => `${((part / whole) * 100).toFixed(3)}%`;

/**
 * A drawing of the bank to scale (see bankGeometry), with the customer's door highlighted three ways at once:
 * colour, a thick outline and its number in large type, so it still stands out for someone who cannot tell colours.
 */
export function Bank({ highlight }: { highlight: string }) {
  const t = useT();
  const layout = useLayout();
  const g = useMemo(() => (layout ? bankGeometry(layout) : null), [layout]);
  if (!g) return null;
  const columns = [...new Set(g.slots.map((s) => s.column))].map((col) => {
    const inColumn = g.slots.filter((s) => s.column === col);
    return { col, x: inColumn[0]!.x, width: inColumn[0]!.width, top: Math.min(...inColumn.map((s) => s.y)) };
  });
  return (
    <div className="bank" role="img" aria-label={t('door.bankLabel', { door: highlight })} data-testid="bank" style={{ aspectRatio: `${g.width} / ${g.height}`, ['--aspect' as string]: g.width / g.height }}>
      {columns.map((c) => (
        <div
          key={c.col}
          className="bank-column"
          aria-hidden="true"
          style={{ left: pct(c.x, g.width), width: pct(c.width, g.width), top: pct(c.top, g.height), bottom: 0 }}
        />
      ))}
      {g.slots.map((s) => (
        <div
          key={s.id}
          className={`slot size-${s.size}${s.id === highlight ? ' target' : ''}`}
          data-compartment={s.id}
          data-size={s.size}
          style={{ left: pct(s.x, g.width), width: pct(s.width, g.width), top: pct(s.y, g.height), height: pct(s.height, g.height) }}
        >
          <span>{s.id}</span>
        </div>
      ))}
      <div className="bank-floor" aria-hidden="true" />
    </div>
  );
}
