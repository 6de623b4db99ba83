import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';

/**
 * What a test needs of a host-mode kiosk running as a child process, shared by tests/foundation/store-host-process.ts
 * (from source) and e2e/kiosk-process.ts (the build): its output as lines, waiting for a line, its "kiosk ready" URL,
 * and one API call as the page makes it.
 */

export type KioskCallResult<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** Appends the child's stdout and stderr, line by line, to `lines`. */
export function collectLines(child: ChildProcess, lines: string[]): void {
  const onData = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
}

/**
 * Waits for a line matching `re` among `lines` from index `from` on (state, not time); throws if the child exits first
 * or nothing comes in `timeoutMs`.
 */
export async function waitForLine(child: ChildProcess | null, lines: string[], re: RegExp, timeoutMs: number, from = 0): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = lines.slice(from).find((l) => re.test(l));
    if (hit) return hit;
    if (child && child.exitCode !== null) throw new Error(`kiosk exited ${child.exitCode} before ${re}:\n${lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const READY_LINE = /^kiosk ready: (\S+)/;

/** The page URL of a "kiosk ready: <url>" line, its port and its token. */
export function parseReady(line: string): { url: string; port: number; token: string } {
  const url = line.match(READY_LINE)![1]!;
  const u = new URL(url);
  return { url, port: Number(u.port), token: new URLSearchParams(u.hash.slice(1)).get('token') ?? '' };
}

/** One API call over the page's WebSocket (same origin, same token). */
export async function kioskCall<T = unknown>(port: number, token: string, name: string, input: unknown = {}): Promise<KioskCallResult<T>> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { origin: `http://127.0.0.1:${port}` });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.id === 1) resolve(msg);
      });
      ws.send(JSON.stringify({ id: 1, call: name, input }));
    });
  } finally {
    ws.close();
  }
}
