import type { ParcelRow } from '../services/shipments';

export type NotificationKind = 'code' | 'reminder' | 'expired';

export interface Message {
  subject: string;
  text: string;
}

const when = (ms: number | null) => (ms === null ? 'soon' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');

/** The text a recipient gets. Only the `code` kind carries the pickup code. */
export function renderMessage(kind: NotificationKind, p: ParcelRow, code?: string): Message {
  switch (kind) {
    case 'code':
      return {
        subject: `Your parcel ${p.barcode} is waiting at locker ${p.kiosk_id}`,
        text: `Your code for parcel ${p.barcode} at locker ${p.kiosk_id} is ${code}. Pick it up by ${when(p.expires_at)}.`,
      };
    case 'reminder':
      return {
        subject: `Reminder: parcel ${p.barcode} waits at locker ${p.kiosk_id}`,
        text: `Reminder: parcel ${p.barcode} waits for you at locker ${p.kiosk_id} until ${when(p.expires_at)}. Use the code we sent when it arrived.`,
      };
    case 'expired':
      return {
        subject: `Parcel ${p.barcode} was not picked up`,
        text: `Parcel ${p.barcode} was not picked up in time at locker ${p.kiosk_id} and will be returned to the sender.`,
      };
    default: {
      const never: never = kind;
      throw new Error(`unknown notification kind ${String(never)}`);
    }
  }
}
