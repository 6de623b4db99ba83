import { SegmentedMessage } from 'sms-segments-calculator';

/** One SMS segment in GSM-7: 160 septets (characters of the GSM 03.38 basic set; its extension set counts 2 each). */
export const SMS_SEGMENT_SEPTETS = 160;

/** Letters and marks outside GSM-7 that NFD does not take apart (ł has no combining form; typographic quotes and dashes). */
const EXTRA: Record<string, string> = { ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', '’': "'", '‘': "'", '“': '"', '”': '"', '–': '-', '—': '-', '…': '...' };

/**
 * Septets one character takes in GSM-7 (1, or 2 for the extension set such as € [ ]), or 0 when it is not GSM-7. Asked
 * of sms-segments-calculator once per character and remembered: the library takes ~2 ms per message on a busy machine,
 * too much inside a deposit's transaction, and the characters seen (catalogs, ids, dates) are a small set.
 */
const memo = new Map<string, number>();
function septets(ch: string): number {
  let n = memo.get(ch);
  if (n === undefined) {
    const m = new SegmentedMessage(ch, 'auto');
    n = m.getEncodingName() === 'GSM-7' ? m.messageSize / 7 : 0;
    if (memo.size < 4096) memo.set(ch, n);
  }
  return n;
}

/**
 * The text with every character outside GSM-7 replaced by its nearest GSM-7 spelling (Polish ą ć ę ł ń ó ś ź ż and
 * Spanish á í ó ú become plain letters; é, ñ, ä, ö, ü, ß and the like are GSM-7 and stay), as Polish and Spanish
 * senders do by hand: one character outside the set switches the whole SMS to UCS-2, 70 characters per segment.
 * White space becomes plain spaces; anything with no GSM-7 spelling is dropped (a "?" would only be noise).
 */
export function foldToGsm7(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC').replace(/[^\S\n]/g, ' ')) {
    if (septets(ch) > 0) {
      out += ch;
      continue;
    }
    const spelt = EXTRA[ch] ?? ch.normalize('NFD').replace(/\p{M}/gu, '');
    if (spelt && [...spelt].every((c) => septets(c) > 0)) out += spelt;
  }
  return out;
}

/** True when the text is all GSM-7 and at most 160 septets: one segment. */
export function fitsOneSegment(text: string): boolean {
  let total = 0;
  for (const ch of text) {
    const n = septets(ch);
    if (n === 0) return false;
    total += n;
  }
  return total <= SMS_SEGMENT_SEPTETS;
}

/** How an SMS text will travel: its encoding and how many segments (sms-segments-calculator, the carriers' rules). */
export function smsShape(text: string): { encoding: 'GSM-7' | 'UCS-2'; segments: number } {
  const m = new SegmentedMessage(text, 'auto');
  return { encoding: m.getEncodingName() === 'GSM-7' ? 'GSM-7' : 'UCS-2', segments: m.segmentsCount };
}

/**
 * The first candidate that fits one GSM-7 segment once folded, else the last (shortest) one folded: the full text
 * with the barcode first, then the short form. `candidates` must not be empty.
 */
export function oneSegment(candidates: string[]): string {
  const folded = candidates.map(foldToGsm7);
  return folded.find(fitsOneSegment) ?? folded[folded.length - 1]!;
}
