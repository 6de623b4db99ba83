import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from '../auth/audit';
import type { ServerContext } from '../context';
import { parseOr400 } from '../http/errors';
import { ALERT_KINDS, listAlerts, listRules, NOT_YET, SetRule, setRule } from '../services/alerts';

const KindParams = z.object({ kind: z.enum(ALERT_KINDS) }).strict();
const LogQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/**
 * Alert rules and the alert log in the console (ADR alerts-webhooks), action `alerts.manage` (admins). Acknowledging
 * an alert is acknowledging its inbox item (routes/inbox.ts), which every role may do.
 */
export function alertRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const manage = { config: { action: 'alerts.manage' as const } };

  app.get('/console/api/alert-rules', manage, async () => ({ rules: await listRules(ctx.store.db), notYet: NOT_YET }));

  app.put('/console/api/alert-rules/:kind', manage, async (req) => {
    const { kind } = parseOr400(KindParams, req.params, 'params');
    const body = parseOr400(SetRule, req.body, 'body');
    return ctx.store.tx(async (q) => {
      const rule = await setRule(ctx, q, kind, req.operator!.email, body);
      await audit(ctx, q, req, { action: 'alert-rule.set', target: kind, detail: { enabled: rule.enabled, minutes: rule.minutes, recipients: rule.recipients.length } });
      return rule;
    });
  });

  app.get('/console/api/alerts', { config: { action: 'alerts.manage' as const, query: true } }, async (req) => {
    const o = parseOr400(LogQuery, req.query, 'query');
    return { alerts: await listAlerts(ctx.store.db, o.limit) };
  });
}
