import { describe, expect, it } from 'vitest';
import type { KioskBridge } from '../../src-shared/api';
import { createWsBridge, MAX_FRAME_BYTES } from '../../src-renderer/bridge/ws-bridge';
import { listenForScans, MAX_SCAN_CHARS, ScanDetector } from '../../src-renderer/input/scanner';
import { routeScans } from '../../src-renderer/input/scan-routing';

/**
 * Issue 9 §1: pasting 40,000 characters on the home screen sent them as a badge, in one frame over the core's
 * socket limit, and ended the kiosk. Nothing that long is a scan: the renderer drops it, whichever way it came.
 */
const HUGE = 'A'.repeat(40_000);

/** A window stand-in that records listeners (Node's EventTarget mishandles removing capture listeners). */
function fakeWindow() {
  const handlers = new Map<string, Set<(e: Event) => void>>();
  return {
    dispatch: (type: string, e: Event) => handlers.get(type)?.forEach((fn) => fn(e)),
    addEventListener: (type: string, fn: (e: Event) => void) => void (handlers.get(type) ?? handlers.set(type, new Set()).get(type)!).add(fn),
    removeEventListener: (type: string, fn: (e: Event) => void) => void handlers.get(type)?.delete(fn),
  };
}

function paste(win: ReturnType<typeof fakeWindow>, text: string): Event {
  const e = new Event('paste', { cancelable: true });
  Object.defineProperty(e, 'clipboardData', { value: { getData: () => text } });
  win.dispatch('paste', e);
  return e;
}

describe('a scan is never longer than the longest badge', () => {
  it('a 40,000-character paste is swallowed, not sent as a scan; a badge-length paste still is', () => {
    const win = fakeWindow();
    const scans: string[] = [];
    const off = listenForScans(win as unknown as Window, (t) => scans.push(t));
    const e = paste(win, HUGE);
    expect(scans).toEqual([]);
    expect(e.defaultPrevented).toBe(true); // nor does it land in whatever field has focus
    const badge = 'LKB1.' + 'x'.repeat(MAX_SCAN_CHARS - 5);
    paste(win, badge);
    expect(scans).toEqual([badge]);
    off();
  });

  it('a keyboard-wedge burst over the limit (a stuck key) is no scan, and the detector does not keep growing', () => {
    const d = new ScanDetector();
    let t = 0;
    for (let i = 0; i < 10_000; i++) d.feed('A', (t += 2));
    expect(d.feed('Enter', (t += 2))).toBeNull();
    // The next real scan is read normally.
    for (const k of 'PKG-0001') d.feed(k, (t += 5));
    expect(d.feed('Enter', t + 5)).toBe('PKG-0001');
  });

  it('a serial read over the limit is not routed as a scan (it still counts as activity)', () => {
    let push: (p: { text: string; source: 'serial' }) => void = () => {};
    const kiosk = { on: ((_e: string, fn: typeof push) => ((push = fn), () => {})) as KioskBridge['on'] };
    const events: unknown[] = [];
    routeScans(fakeWindow() as unknown as Window, kiosk, (e) => events.push(e));
    push({ text: HUGE, source: 'serial' });
    expect(events).toEqual([{ type: 'ACTIVITY' }]);
  });
});

describe('the WebSocket bridge never sends a frame over the core’s limit', () => {
  it('answers BAD_INPUT locally and sends nothing, so the socket (and the calls on it) survive', async () => {
    const sent: string[] = [];
    const socket = { readyState: 1, send: (s: string) => sent.push(s), close: () => {} } as unknown as WebSocket;
    const bridge = createWsBridge({ url: 'ws://127.0.0.1:1/api?token=t', createSocket: () => socket });
    (socket.onopen as () => void)();
    const r = await bridge.authBadge({ badge: HUGE });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(sent).toEqual([]);
    // Multi-byte text counts in bytes, as the core counts it: 12,000 × 3-byte characters is over 32 KiB.
    const wide = await bridge.authBadge({ badge: '€'.repeat(12_000) });
    expect(wide.ok).toBe(false);
    expect(MAX_FRAME_BYTES).toBe(32 * 1024);
    void bridge.kioskInfo({});
    expect(sent).toHaveLength(1);
    bridge.close();
  });
});
