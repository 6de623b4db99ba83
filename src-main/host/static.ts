import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Host mode's CSP: nothing but our own files, plus our own WebSocket (`port = null`: connect to nothing but 'self').
 * The Electron window does not use this: its page lives on `app://kiosk`, and `kioskCsp()` in
 * src-main/electron/scheme.ts names that origin explicitly (ADR on the Electron shell).
 */
export function csp(port: number | null): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    port === null ? "connect-src 'self'" : `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The headers every host-mode HTTP response carries, errors included (a 404 page is a page too): the CSP above, no
 * MIME sniffing, no framing, no Referer, no caching (a new build must never meet an old cached script).
 */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'content-security-policy': csp(port),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/**
 * Serves the built renderer read-only at `/` (`/` → index.html) through `@fastify/static` (which uses `send`: paths
 * are decoded once, NUL bytes and `..` escapes refused, never a file outside `root`, dotfiles denied). Streams
 * opened for a file are owned by `send`, which handles their errors. Only GET and HEAD reach it (the server
 * answers every other method 405 before routing).
 */
export async function registerStatic(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    wildcard: true,
    dotfiles: 'deny',
    // The security headers (cache-control included) are set for every response by the server's onSend hook.
    cacheControl: false,
    decorateReply: false,
    redirect: false,
  });
}
