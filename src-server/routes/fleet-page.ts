import type { FastifyInstance } from 'fastify';

/**
 * `GET /`: the fleet page used to be a public HTML table here (kiosk ids, faults, versions for anyone who could reach
 * the server). Issue 12 moved it behind sign-in: the kiosks list of the console (/console/) shows the same and more,
 * so this address only sends the browser there (a permanent move would be cached; 302 keeps `/` ours).
 */
export function fleetPageRoutes(app: FastifyInstance): void {
  app.get('/', async (_req, reply) => reply.redirect('/console/', 302));
}
