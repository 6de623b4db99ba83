import { useCallback, useState } from 'react';
import { ApiError } from '../api';

export function ago(ms: number | null): string {
  if (ms === null) return 'never';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3600_000)} h ago`;
}

/** Local date and time, as the operator's browser shows it. */
export const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** An error message to show, and a stable reporter for promises. */
export function useError(): [string | null, (err: unknown) => void, () => void] {
  const [error, setError] = useState<string | null>(null);
  const report = useCallback((err: unknown) => setError(err instanceof ApiError ? err.message : 'The server cannot be reached.'), []);
  const clear = useCallback(() => setError(null), []);
  return [error, report, clear];
}
