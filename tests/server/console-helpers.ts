import type { FleetServer } from '../../src-server/embedded';
import type { Role } from '../../src-server/auth/roles';
import { http, type Res } from './helpers';

/** A signed-in console client over real HTTP: the session cookie and CSRF token as a browser would hold them. */
export interface ConsoleClient {
  cookie: string;
  csrf: string;
  get(p: string): Promise<Res>;
  /** A state change with the CSRF token (omit it with `{ csrf: false }`). */
  send(method: string, p: string, body?: unknown, o?: { csrf?: boolean }): Promise<Res>;
}

let n = 0;
/** Creates an operator with `role` and signs it in. */
export async function operator(server: FleetServer, role: Role = 'admin'): Promise<ConsoleClient & { email: string; password: string }> {
  const email = `${role}-${++n}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery';
  await server.createOperator({ email, name: `Test ${role}`, role, password });
  return { ...(await signIn(server, email, password)), email, password };
}

export async function signIn(server: FleetServer, email: string, password: string): Promise<ConsoleClient> {
  const r = await fetch(server.url + '/console/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  const cookie = /^([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1]!;
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return client(server, cookie, csrfToken);
}

export function client(server: FleetServer, cookie: string, csrf: string): ConsoleClient {
  return {
    cookie,
    csrf,
    get: (p) => http(server.url + p, { headers: { cookie } }),
    send: (method, p, body, o = {}) =>
      http(server.url + p, {
        method,
        headers: { cookie, ...(o.csrf === false ? {} : { 'x-csrf-token': csrf }), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
  };
}
