import type { ReactNode } from 'react';

/**
 * A list the page is loading: "Loading…" (aria-busy) until it is there, then `empty` when it has nothing (if given),
 * else what `children` draws of it.
 */
export function Loaded<T>({ items, empty, children }: { items: readonly T[] | null; empty?: ReactNode; children: (items: readonly T[]) => ReactNode }) {
  if (!items) return <p aria-busy="true">Loading…</p>;
  if (items.length === 0 && empty !== undefined) return <>{empty}</>;
  return <>{children(items)}</>;
}
