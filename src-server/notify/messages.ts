import type { ParcelRow } from '../services/shipments';

export type NotificationKind = 'code' | 'reminder' | 'expired';

export interface Message {
  subject: string;
  text: string;
}

/** What the recipient needs at the kiosk (ADR 0008 (code lockout)). Sealed at rest on the server until the code message is sent. */
export interface PickupSecrets {
  code: string;
  /** The QR's token; the QR payload is `LK2:<token>`. Absent for parcels created before ADR 0008 (code lockout). */
  qrToken?: string;
  /** The 4-digit check code the keypad asks for when it is hardened. */
  checkCode?: string;
}

/** The plaintext sealed into `code_sealed`: JSON for new parcels (a bare 6-digit code for older rows still opens). */
export function sealablePickupSecrets(s: PickupSecrets): string {
  return JSON.stringify(s);
}

/** Reads what `sealablePickupSecrets` wrote, or a bare code from a row sealed before ADR 0008 (code lockout). */
export function parsePickupSecrets(plain: string): PickupSecrets {
  if (!plain.startsWith('{')) return { code: plain };
  const v = JSON.parse(plain) as Partial<PickupSecrets>;
  return { code: String(v.code ?? ''), ...(v.qrToken ? { qrToken: v.qrToken } : {}), ...(v.checkCode ? { checkCode: v.checkCode } : {}) };
}

const when = (ms: number | null) => (ms === null ? 'soon' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');

/**
 * The text a recipient gets. Only the `code` kind carries the pickup secrets (`sealed`, as parsePickupSecrets
 * reads it): the code, then the check code and the QR payload. The first sentence keeps its old shape on purpose.
 */
export function renderMessage(kind: NotificationKind, p: ParcelRow, sealed?: string): Message {
  switch (kind) {
    case 'code': {
      const s = parsePickupSecrets(sealed ?? '');
      const check = s.checkCode ? ` Check code: ${s.checkCode} (the kiosk may ask for it).` : '';
      const qr = s.qrToken ? ` Or show this QR at the kiosk: LK2:${s.qrToken}` : '';
      return {
        subject: `Your parcel ${p.barcode} is waiting at locker ${p.kiosk_id}`,
        text: `Your code for parcel ${p.barcode} at locker ${p.kiosk_id} is ${s.code}. Pick it up by ${when(p.expires_at)}.${check}${qr}`,
      };
    }
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
