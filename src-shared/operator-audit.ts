/**
 * One entry of the fleet server's operator audit log (ADR 0014) as the console API returns it and the console shows
 * it: who did what to which target, with what outcome, when (ISO 8601 UTC) and from where. Types only: shared by
 * the server (`src-server/auth/audit.ts`) and the console (`src-console/api.ts`).
 */
export interface OperatorAuditEntry {
  id: string;
  at: string;
  operatorEmail: string;
  action: string;
  target: string | null;
  outcome: 'ok' | 'refused';
  detail: unknown;
  ip: string;
  userAgent: string;
}

/**
 * A carrier API key as the console API lists it (ADR 0014): never the key itself (shown once at creation), only its
 * prefix, scope (`kiosks`, null = all of the carrier's), who made it and when, and its last use (ISO 8601 UTC).
 */
export interface CarrierKeyView {
  id: string;
  carrier: string;
  prefix: string;
  kiosks: string[] | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
