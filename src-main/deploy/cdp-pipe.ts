import type { Readable, Writable } from 'node:stream';

/** A CDP error answer, or the pipe closing before the answer came. */
export class CdpError extends Error {
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'CdpError';
  }
}

type Pending = { method: string; resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };

/**
 * The Chrome DevTools Protocol over `--remote-debugging-pipe`: Chromium reads commands on its fd 3 and writes answers
 * and events on fd 4, each message JSON ended by a NUL byte. Why a pipe and not a port: only the parent holds the two
 * ends, so no other local user or web page can drive the browser (a debugging port on 127.0.0.1 is open to all of
 * them), and nothing secret goes on Chromium's command line (ADR 0004). Only what the launcher needs: commands
 * with flat sessions, and event listeners.
 */
export class CdpPipe {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(method: string, params: Record<string, unknown>, sessionId?: string) => void>();
  private buffer = '';
  private closed = false;

  constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.on('data', (chunk: Buffer) => this.onData(chunk.toString('utf8')));
    input.on('close', () => this.close('the browser closed the pipe'));
    input.on('error', () => this.close('the pipe failed'));
    out.on('error', () => this.close('the pipe failed'));
  }

  /**
   * Sends one command (to the browser, or to a page's session when `sessionId` is given) and resolves with its
   * `result`. Rejects with CdpError on an error answer or when the pipe closes first.
   */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new CdpError(method, 'pipe closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Every event the browser sends; returns the unsubscribe function. */
  onEvent(fn: (method: string, params: Record<string, unknown>, sessionId?: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new CdpError(p.method, reason));
    }
  }

  private onData(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      let msg: { id?: number; result?: Record<string, unknown>; error?: { message?: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      try {
        msg = JSON.parse(raw);
      } catch {
        continue; // not a message we can read; the browser never sends one, but a bad one must not stop the reader
      }
      if (typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new CdpError(p.method, msg.error.message ?? 'error'));
        else p.resolve(msg.result ?? {});
      } else if (typeof msg.method === 'string') {
        for (const fn of this.listeners) fn(msg.method, msg.params ?? {}, msg.sessionId);
      }
    }
  }
}
