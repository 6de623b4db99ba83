import { SegmentedMessage } from 'sms-segments-calculator';

/** One SMS segment in GSM-7: 160 septets (characters of the GSM 03.38 basic set; its extension set counts 2 each). */
export const SMS_SEGMENT_SEPTETS = 160;

/** Letters and marks outside GSM-7 that NFD does not take apart (ł has no combining form; typographic quotes and dashes). */
const EXTRA: Record<string, string> = { ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', '’': "'", '‘': "'", '“': '"', '”': '"', '–': '-', '—': '-', '…': '...' };

const nonGsm = (text: string) => new SegmentedMessage(text, 'auto').getNonGsmCharacters();

/**
 * The text with every character outside GSM-7 replaced by its nearest GSM-7 spelling (Polish ą ć ę ł ń ó ś ź ż and
 * Spanish á í ó ú become plain letters; é, ñ, ä, ö, ü, ß and the like are GSM-7 and stay), as Polish and Spanish
 * senders do by hand: one character outside the set switches the whole SMS to UCS-2, 70 characters per segment.
 * White space becomes plain spaces; anything with no GSM-7 spelling is dropped (a "?" would only be noise).
 */
export function foldToGsm7(text: string): string {
  const t = text.normalize('NFC').replace(/[^\S\n]/g, ' ');
  const bad = new Set(nonGsm(t));
  if (bad.size === 0) return t;
  const spell = (ch: string) => {
    const c = EXTRA[ch] ?? ch.normalize('NFD').replace(/\p{M}/gu, '');
    return c && nonGsm(c).length === 0 ? c : '';
  };
  return [...t].map((ch) => (bad.has(ch) ? spell(ch) : ch)).join('');
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
  return folded.find((t) => smsShape(t).segments === 1) ?? folded[folded.length - 1]!;
}
