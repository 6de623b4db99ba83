import type { ReactNode } from 'react';

/** A one-time card to print (a badge, an enrollment token): its heading, its content, then Print and Done (not printed). */
export function PrintableCard({ id, title, printLabel, onDone, children }: { id: string; title: ReactNode; printLabel: string; onDone: () => void; children: ReactNode }) {
  return (
    <section className="printable card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
      <div className="actions no-print">
        <button type="button" onClick={() => window.print()}>
          {printLabel}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
