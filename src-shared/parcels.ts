/**
 * What the fleet server's console API answers about parcels (src-server/services/parcel-search.ts), and the console
 * reads (src-console/pages/Parcels.tsx): one shape for both.
 */

/** One parcel as the console lists it. Recipient fields are shown to signed-in operators (they must reach people). */
export interface ParcelSummary {
  parcelId: string;
  barcode: string;
  kioskId: string;
  size: string;
  status: string;
  recipientEmail: string | null;
  recipientPhone: string | null;
  compartmentId: string | null;
  createdAt: string;
  depositedAt: string | null;
  expiresAt: string | null;
  /** When an operator marked it for return to sender (ADR return-reenroll); null: not marked. */
  returnRequestedAt: string | null;
}

/** One line of a parcel's story in the console, oldest first. */
export interface TimelineEntry {
  at: string;
  /** created, code-sent, deposited, reminded, picked-up, expired, collected, cancelled, problem, code-reissued, … */
  what: string;
  detail: string | null;
}
