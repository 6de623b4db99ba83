import type { ReactNode } from 'react';

/**
 * A scrollable table (`.table-wrap`) with one header row of column headings; `children` are the body's rows. A
 * `caption` names the table for screen readers only (visually hidden).
 */
export function DataTable({ columns, className, labelledBy, caption, children }: { columns: readonly string[]; className?: string; labelledBy?: string; caption?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className} aria-labelledby={labelledBy}>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
