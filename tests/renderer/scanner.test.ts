import { describe, expect, it } from 'vitest';
import { classifyScan, parsePickupQr, ScanDetector } from '../../src-renderer/input/scanner';

function feed(d: ScanDetector, text: string, start: number, gapMs: number): Array<string | null> {
  const out: Array<string | null> = [];
  let t = start;
  for (const key of [...text, 'Enter']) {
    out.push(d.feed(key, t));
    t += gapMs;
  }
  return out;
}

describe('scanner burst detection', () => {
  it('a fast burst ending in Enter is a scan', () => {
    const d = new ScanDetector();
    expect(feed(d, 'PKG-12345', 1000, 8).at(-1)).toBe('PKG-12345');
  });

  it('a person typing the same characters is not', () => {
    const d = new ScanDetector();
    expect(feed(d, 'PKG-12345', 1000, 120).every((x) => x === null)).toBe(true);
  });

  it('shorter than four characters is not a scan, even when fast', () => {
    const d = new ScanDetector();
    expect(feed(d, '123', 0, 5).at(-1)).toBeNull();
  });

  it('a slow Enter after a fast burst is not a scan (someone pressed Enter later)', () => {
    const d = new ScanDetector();
    ['A', 'B', 'C', 'D', 'E'].forEach((k, i) => d.feed(k, i * 5));
    expect(d.feed('Enter', 500)).toBeNull();
  });

  it('typing, then Enter or a long pause, then a burst: only the burst is reported', () => {
    const d = new ScanDetector();
    d.feed('x', 0);
    d.feed('y', 300);
    d.feed('Enter', 600);
    expect(feed(d, 'LK1:123456', 1000, 4).at(-1)).toBe('LK1:123456');
    d.feed('z', 10_000);
    expect(feed(d, 'LK1:654321', 16_000, 4).at(-1)).toBe('LK1:654321');
  });

  // Red-team finding 5 (issue 10): the stall check needed two keys, so a stall after the FIRST key let the tail through.
  it('a burst that stalls after its first key is refused whole: "D", 300 ms, "EMO-POJL-1" + Enter is no scan', () => {
    const d = new ScanDetector();
    let t = 1000;
    expect(d.feed('D', t)).toBeNull();
    t += 300;
    const out = [...'EMO-POJL-1'].map((k) => d.feed(k, (t += 5)));
    expect(out.every((x) => x === null)).toBe(true);
    expect(d.feed('Enter', t + 5)).toBeNull();
    expect(d.rejected).toBe('cut');
    // Nor with a stall after the first key and another after the second.
    t += 2000;
    d.feed('D', t);
    d.feed('E', (t += 300));
    expect(feed(d, 'MO-POJL-1', (t += 300), 5).at(-1)).toBeNull();
    expect(d.rejected).toBe('cut');
    // The next whole burst goes through.
    expect(feed(d, 'DEMO-POJL-1', t + 2000, 5).at(-1)).toBe('DEMO-POJL-1');
    expect(d.rejected).toBeNull();
  });

  it('one stalled key inside a long burst does not lose the scan; a slow average does', () => {
    const d = new ScanDetector();
    const badge = 'LKB1.' + 'x'.repeat(150);
    let t = 0;
    [...badge].forEach((k, i) => d.feed(k, (t += i === 70 ? 80 : 3)));
    expect(d.feed('Enter', t + 3)).toBe(badge);
    // 60 ms per key on average is a fast person, not a scanner.
    [...'123456789'].forEach((k) => d.feed(k, (t += 60)));
    expect(d.feed('Enter', t + 10)).toBeNull();
  });

  it('a burst that stalls 300 ms is rejected whole, never delivered in part (once "DEMO-8HDU-1" became "-1")', () => {
    const d = new ScanDetector();
    let t = 0;
    const out = [...'DEMO-8HDU-1'].map((k, i) => d.feed(k, (t += i === 9 ? 300 : 6)));
    expect(out.every((x) => x === null)).toBe(true);
    expect(d.feed('Enter', t + 6)).toBeNull();
    expect(d.rejected).toBe('cut');
    // The next whole scan goes through as usual.
    expect(feed(d, 'DEMO-8HDU-1', t + 2000, 6).at(-1)).toBe('DEMO-8HDU-1');
    expect(d.rejected).toBeNull();
  });

  it('keys at a person\'s pace are not a scan, and the detector says they looked typed', () => {
    const d = new ScanDetector();
    expect(feed(d, 'LKB1.abcdef', 0, 180).at(-1)).toBeNull();
    expect(d.rejected).toBe('typed');
    // Two stray keys and Enter are nothing worth a notice.
    expect(feed(d, 'ab', 10_000, 180).at(-1)).toBeNull();
    expect(d.rejected).toBeNull();
    // A slower person (pauses longer than a scanner's stall, which restart the burst) is still noticed as typing.
    expect(feed(d, 'LKB1.abcdef', 20_000, 400).at(-1)).toBeNull();
    expect(d.rejected).toBe('typed');
  });

  it('Shift inside a burst (upper-case letters) does not break it', () => {
    const d = new ScanDetector();
    const keys = ['Shift', 'A', 'B', 'Shift', 'C', '1', '2', 'Enter'];
    const out = keys.map((k, i) => d.feed(k, i * 3));
    expect(out.at(-1)).toBe('ABC12');
  });
});

describe('what a scan is', () => {
  it('QR payloads: six digits or LK1:<six digits>', () => {
    expect(parsePickupQr('123456')).toBe('123456');
    expect(parsePickupQr('LK1:654321')).toBe('654321');
    expect(parsePickupQr('LK1:65432')).toBeNull();
    expect(parsePickupQr('1234567')).toBeNull();
  });

  it('classifies codes, badges and parcel barcodes', () => {
    expect(classifyScan('LK1:111111').kind).toBe('pickup-code');
    expect(classifyScan('LKB1.eyJiaWQiOiJi.sig').kind).toBe('badge');
    expect(classifyScan('DEMO-8HDU-1').kind).toBe('barcode');
  });
});
