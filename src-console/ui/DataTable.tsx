import type { ReactNode } from 'react';

/** A scrollable table (`.table-wrap`) with one header row of column headings; `children` are the body's rows. */
export function DataTable({ columns, className, labelledBy, children }: { columns: readonly string[]; className?: string; labelledBy?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className} aria-labelledby={labelledBy}>
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
