import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The console's built files (React + Vite: `vite build --config console.vite.config.ts` into out/console), served at
 * /console/ with a strict CSP: scripts, styles and fetches from this origin only, nothing inline, no framing (ADR
 * operator-auth). The files are public (they hold no data); every byte of data comes from /console/api/, behind
 * sign-in. Without a build, /console/ says how to make one.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(reply: FastifyReply): void {
  void reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store');
}

/** Where the built console is: an explicit dir, $FLEET_CONSOLE_DIR, or out/console next to the sources or the cwd. */
export function findConsoleDir(explicit?: string): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [explicit, process.env.FLEET_CONSOLE_DIR, path.resolve(here, '../../out/console'), path.resolve(here, '../console'), path.resolve('out/console')];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'index.html'))) return c;
  return null;
}

export function consoleAppRoutes(app: FastifyInstance, consoleDir: string | null): void {
  if (!consoleDir) {
    app.get('/console/', async (_req, reply) => {
      securityHeaders(reply);
      return reply
        .status(503)
        .header('content-type', 'text/html; charset=utf-8')
        .send('<!doctype html><html lang="en"><title>Console not built</title><p>The operator console is not built: run <code>npm run build</code>.</p></html>');
    });
    return;
  }
  void app.register(fastifyStatic, {
    root: consoleDir,
    prefix: '/console/',
    index: 'index.html',
    // Hashed asset names; index.html is small and must always be the current one.
    cacheControl: false,
    setHeaders: (reply) => {
      securityHeaders(reply);
      void reply.header('cache-control', 'no-cache');
    },
  });
}
