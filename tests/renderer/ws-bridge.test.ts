import { afterEach, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES } from '../../src-shared/api';
import { BACKOFF_MAX_MS, createWsBridge, takeToken, TOKEN_KEY } from '../../src-renderer/bridge/ws-bridge';

/** Just enough of a browser WebSocket to drive the bridge by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string) {
    this.sent.push(s);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
  close() {
    this.drop();
  }
  reply(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const make = () => createWsBridge({ url: 'ws://127.0.0.1:1/api?token=t', createSocket: (u) => new FakeSocket(u) as unknown as WebSocket, callTimeoutMs: 5_000 });

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe('host-mode WebSocket bridge', () => {
  it('has one function per call in the API table, plus on()', () => {
    const b = make() as unknown as Record<string, unknown>;
    for (const name of CALL_NAMES) expect(typeof b[name], name).toBe('function');
    expect(typeof b.on).toBe('function');
  });

  it('queues calls until open, matches replies by id, and delivers pushed events', async () => {
    const b = make();
    const p = b.kioskInfo({});
    const sock = FakeSocket.all[0]!;
    expect(sock.sent).toHaveLength(0);
    sock.open();
    const req = JSON.parse(sock.sent[0]!);
    expect(req).toMatchObject({ call: 'kioskInfo', input: {} });
    const seen: unknown[] = [];
    b.on('door', (d) => seen.push(d));
    sock.reply({ event: 'door', payload: { compartmentId: 'A01', door: 'open', item: null } });
    sock.reply({ id: req.id, ok: false, error: { code: 'BAD_INPUT', message: 'x' } });
    expect(await p).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: 'x' } });
    expect(seen).toHaveLength(1);
  });

  it('fails pending calls clearly when the socket drops, and reconnects with backoff', async () => {
    vi.useFakeTimers();
    const b = make();
    const sock = FakeSocket.all[0]!;
    sock.open();
    const p = b.layoutGet({});
    sock.drop();
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/connection to the kiosk core was lost/);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.all).toHaveLength(2);
    b.close();
  });

  it('a kiosk down for a while: keeps trying, never more than BACKOFF_MAX_MS apart, and is back on the first try that opens', async () => {
    vi.useFakeTimers();
    const states: string[] = [];
    const b = createWsBridge({ url: 'ws://x/api', createSocket: (u) => new FakeSocket(u) as unknown as WebSocket, onConnection: (s) => states.push(s) });
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop();
    // Twenty refusals in a row (a restart that takes a while): each next try comes within the cap (+100 ms jitter floor).
    for (let i = 1; i <= 20; i++) {
      await vi.advanceTimersByTimeAsync(BACKOFF_MAX_MS + 100);
      expect(FakeSocket.all).toHaveLength(i + 1);
      FakeSocket.all[i]!.drop();
    }
    await vi.advanceTimersByTimeAsync(BACKOFF_MAX_MS + 100);
    FakeSocket.all.at(-1)!.open();
    expect(states.at(-1)).toBe('open');
    expect(BACKOFF_MAX_MS).toBeLessThanOrEqual(2_000);
    b.close();
  });

  it('a call with no answer fails after the timeout instead of hanging a screen', async () => {
    vi.useFakeTimers();
    const b = make();
    FakeSocket.all[0]!.open();
    const p = b.kioskInfo({});
    await vi.advanceTimersByTimeAsync(5_001);
    const r = await p;
    expect(r.ok).toBe(false);
  });
});

describe('a rotated token (red-team finding 3)', () => {
  it('reconnect() drops the socket refused with the old token and opens one with the new token at once', () => {
    vi.useFakeTimers();
    let token = 'old';
    const b = createWsBridge({ url: () => `ws://x/api?token=${token}`, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket });
    FakeSocket.all[0]!.drop(); // refused: the kiosk restarted with a new token
    token = 'new';
    b.reconnect();
    const last = FakeSocket.all.at(-1)!;
    expect(last.url).toBe('ws://x/api?token=new');
    last.open();
    // The old retry timer is gone: no socket with the old token comes after.
    vi.advanceTimersByTime(10 * BACKOFF_MAX_MS);
    expect(FakeSocket.all.filter((s) => s.url.endsWith('token=old'))).toHaveLength(1);
    expect(FakeSocket.all.at(-1)).toBe(last);
  });
});

describe('session token', () => {
  it('a new fragment wins over the token kept in sessionStorage', () => {
    const store = new Map<string, string>([[TOKEN_KEY, 'old']]);
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
    const hist = { replaceState: () => undefined } as unknown as History;
    expect(takeToken({ hash: '#token=new', pathname: '/', search: '' } as Location, storage, hist)).toBe('new');
    expect(store.get(TOKEN_KEY)).toBe('new');
  });

  it('is taken from the fragment, kept in sessionStorage, and removed from the address bar', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
    const replaced: string[] = [];
    const hist = { replaceState: (_a: unknown, _b: string, url: string) => void replaced.push(url) } as History;
    const loc = { hash: '#token=abc123', pathname: '/', search: '' } as Location;
    expect(takeToken(loc, storage, hist)).toBe('abc123');
    expect(store.get(TOKEN_KEY)).toBe('abc123');
    expect(replaced).toEqual(['/']);
    // After a reload the fragment is gone but the token survives.
    expect(takeToken({ hash: '', pathname: '/', search: '' } as Location, storage, hist)).toBe('abc123');
  });
});
