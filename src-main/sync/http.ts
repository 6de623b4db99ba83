import type { z } from 'zod';
import { ErrorBody, HEADER_SYNC_PROTOCOL, SYNC_PROTOCOL_VERSION } from '../../src-shared/sync-protocol';
import { signRequest } from '../../src-common/signing';

/**
 * The kiosk's HTTP client for the fleet server: signs every kiosk request (src-common/signing.ts, the very
 * file the server verifies with) and parses every answer with the shared zod schema. Bad data from the server is
 * an error like a dropped connection: the caller applies nothing. Answers are parsed leniently (fields this kiosk does
 * not know are dropped), so a newer server never breaks an older kiosk (ADR protocol-version).
 */

export type SyncErrorKind =
  /** DNS, refused, reset, timeout: the server is not reachable. */
  | 'network'
  /** The server answered with an error status (ErrorBody). */
  | 'http'
  /** The server answered 2xx with something that is not the contract. */
  | 'protocol'
  /** Nothing to talk to: no server configured, or not enrolled. */
  | 'config';

export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly kind: SyncErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
    /**
     * `network` only: the request may have reached the server before the failure (a timeout, a connection cut after
     * sending), so whatever it asked for may have happened. False when it surely never left (refused, no route, DNS).
     */
    readonly maybeDelivered = false,
  ) {
    super(message);
  }
}

/** Failures that happen before a connection exists: the server cannot have seen the request. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export interface Credentials {
  kioskId: string;
  secret: Uint8Array;
}

export interface SyncHttpOptions {
  baseUrl: string;
  /** ms since the epoch: the kiosk's clock (ctx.clock), which the server checks within ±5 minutes. */
  now: () => number;
  timeoutMs: number;
}

export class SyncHttp {
  private readonly base: string;
  private readonly closing = new AbortController();
  /** The sync protocol version the server last answered with (1 = a server from before versioning); null before any answer. */
  serverProtocol: number | null = null;
  constructor(private readonly o: SyncHttpOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
  }

  /** Aborts requests in flight and refuses new ones (shutdown must not wait for a hanging server). */
  abort(): void {
    this.closing.abort(new SyncError('network', 'sync is shutting down'));
  }

  /** An unsigned request (enrollment: the one-time token is the credential). */
  async post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.send('POST', path, JSON.stringify(body), schema, null);
  }

  async signed<S extends z.ZodType>(creds: Credentials, method: 'GET' | 'POST', path: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.send(method, path, body === undefined ? undefined : JSON.stringify(body), schema, creds);
  }

  private async send<S extends z.ZodType>(
    method: string,
    path: string,
    raw: string | undefined,
    schema: S,
    creds: Credentials | null,
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = creds
      ? signRequest({ kioskId: creds.kioskId, secret: creds.secret, method, path, now: this.o.now(), ...(raw !== undefined ? { body: raw } : {}) })
      : {};
    // Which protocol this kiosk speaks (ADR protocol-version); the server serves older and newer ones alike.
    headers[HEADER_SYNC_PROTOCOL] = String(SYNC_PROTOCOL_VERSION);
    if (raw !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.base + path, { method, headers, body: raw, signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.closing.signal]) });
      text = await res.text();
      const served = Number(res.headers.get(HEADER_SYNC_PROTOCOL) ?? '1');
      if (Number.isInteger(served)) this.serverProtocol = served;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new SyncError('network', `${method} ${pathOnly(path)}: ${describeNetworkError(err)}`, null, null, !(cause && NEVER_SENT.has(cause)));
    }
    let json: unknown;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      throw new SyncError(res.ok ? 'protocol' : 'http', `${method} ${pathOnly(path)}: answer ${res.status} is not JSON`, res.status);
    }
    if (!res.ok) {
      const e = ErrorBody.safeParse(json);
      const code = e.success ? e.data.error.code : null;
      const msg = e.success ? e.data.error.message : `status ${res.status}`;
      throw new SyncError('http', `${method} ${pathOnly(path)}: ${res.status}${code ? ` ${code}` : ''}: ${msg}`, res.status, code);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(top level)'}: ${issue.message}` : 'invalid';
      throw new SyncError('protocol', `${method} ${pathOnly(path)}: server answered outside the contract (${where})`, res.status);
    }
    return parsed.data;
  }
}

/** Paths carry the kiosk id, never a secret; the query (cursor) is noise in an error line. */
function pathOnly(p: string): string {
  return p.split('?')[0]!;
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err instanceof SyncError) return err.message;
  if (e.name === 'TimeoutError') return 'timed out';
  if (e.name === 'AbortError') return 'aborted';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
