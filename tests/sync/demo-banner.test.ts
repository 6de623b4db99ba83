import { describe, expect, it } from 'vitest';
import { demoBannerLines } from '../../src-main/sync/embedded';
import { listenForScans, ScanDetector } from '../../src-renderer/input/scanner';
import { en } from '../../src-renderer/i18n/en';

/**
 * Red-team finding 10: the demo's console block said "type or paste a token and press Enter, as a badge scanner
 * would", while the kiosk page refuses a badge typed by hand ("please scan it with the scanner", issue 10 §3). The
 * block's instructions are checked here against what the page's own scan detector does with each way in.
 */
const badge = 'LKB1.eyJraW5kIjoiZHJpdmVyIn0.c2lnbmF0dXJlLW9mLWEtZGVtby1iYWRnZQ';
const text = demoBannerLines({
  url: 'http://127.0.0.1:1234',
  driver: badge,
  technician: badge,
  pin: 'demo technician PIN (demo mode only): 246810',
  operator: { email: 'demo@locker.example', password: 'pw' },
}).join('\n');

/** A person typing at ~5 keys a second, then Enter: what the page's detector makes of it. */
function typeByHand(token: string): { scan: string | null; rejected: string | null } {
  const d = new ScanDetector();
  let at = 1_000;
  for (const ch of token) d.feed(ch, (at += 200));
  const scan = d.feed('Enter', at + 200);
  return { scan, rejected: d.rejected };
}

/** A paste on the page, through the same listener the renderer installs on its window. */
function paste(token: string): string[] {
  const handlers: Array<(e: Event) => void> = [];
  const win = { addEventListener: (type: string, fn: (e: Event) => void) => type === 'paste' && handlers.push(fn), removeEventListener: () => undefined };
  const scans: string[] = [];
  const off = listenForScans(win as unknown as Window, (t) => scans.push(t));
  const e = new Event('paste', { cancelable: true });
  Object.defineProperty(e, 'clipboardData', { value: { getData: () => token } });
  handlers.forEach((fn) => fn(e));
  off();
  return scans;
}

describe('the demo block tells people only what the kiosk page accepts', () => {
  it('it offers typing a badge only if typing one is a scan (it is not: the page refuses it)', () => {
    const offersTyping = /\btype\b[^.]*\b(token|badge)\b/i.test(text) && !/typed by hand[^.]*refused/i.test(text);
    if (offersTyping) expect(typeByHand(badge).scan).toBe(badge);
    // What the page really does with a typed badge, and what the block must then say.
    expect(typeByHand(badge)).toEqual({ scan: null, rejected: 'typed' });
    expect(text).toMatch(/typed by hand it is refused/i);
    expect(en['scan.typed'].toLowerCase()).toContain('please scan it with the scanner');
    expect(text.toLowerCase()).toContain('please scan it with the scanner');
  });

  it('the way it does offer (a paste, Ctrl+V) is one scan on the page', () => {
    expect(text).toMatch(/paste it \(Ctrl\+V\)/);
    expect(paste(badge)).toEqual([badge]);
  });
});
