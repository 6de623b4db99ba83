import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { AnalyticsQuery, computeAnalytics } from '../services/analytics';

/** The console's analytics (services/analytics.ts): read-only, so the `view` action (every role). */
export function analyticsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/console/api/analytics', { config: { action: 'view', query: true } }, async (req) => computeAnalytics(ctx, parseOr400(AnalyticsQuery, req.query, 'query')));
}
