import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { parcelOfToken, RECIPIENT_TOKEN_PATTERN } from '../services/recipient-link';
import { extendByRecipient, RecipientRefusal, requestReach } from '../services/recipient-requests';
import type { Selectable } from 'kysely';
import type { ParcelsTable } from '../store/schema';
import type { NotifyLocale } from '../notify/i18n/index';
import { localeFromAcceptLanguage, pageLocale } from '../notify/i18n/page';
import { kioskTimeZone } from '../notify/outbox';
import { gonePage, parcelPage, plainPage, RECIPIENT_CSP } from './recipient-html';

/**
 * Requests per minute to the recipient pages, per instance: per client address (GET and POST together), and per token
 * for the two forms. A person needs a handful; a script walking tokens or hammering the capacity check does not get far.
 */
export const RECIPIENT_PAGE_LIMITS = { perAddress: 30, postsPerToken: 10 } as const;

type Parcel = Selectable<ParcelsTable>;

const Params = z.object({ token: z.string().max(100) });
const ExtendForm = z.object({ days: z.coerce.number().int() }).strict();
const ReachForm = z.object({}).strict();

/**
 * The recipient's public page (ADR customer-self-service): `GET /r/:token`, `POST /r/:token/extend` (form field
 * `days`), `POST /r/:token/reach`. No login: the signed token in the link is the credential, valid while its parcel is
 * expected, deposited or expired (410 once it has left the locker). Public in the guard's terms (the per-address budget),
 * plus this page's own stricter limits; HTML forms only (application/x-www-form-urlencoded, 1 KiB), no script, a strict
 * CSP, no referrer (the token is in the URL), no caching. Every answer about a parcel is in the parcel's language (the
 * one its messages were sent in) with times in its locker's zone; only an answer with no parcel behind it (a malformed
 * or forged link) goes by the browser's Accept-Language.
 */
export function recipientPageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  void app.register(async (scope) => {
    // Forms, in this scope only: every other route still takes JSON alone (guard.ts).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => {
      const form = new URLSearchParams(String(body));
      const out: Record<string, string> = {};
      for (const [k, v] of form) if (k !== '__proto__') out[k] = v;
      done(null, out);
    });
    /** The browser's language, for an answer that has no parcel to take one from. */
    const browserLocale = (req: FastifyRequest) => localeFromAcceptLanguage(req.headers['accept-language']);
    /**
     * The language of a 429 before the parcel is read: the parcel's when the link is genuine (its MAC checks out, so a
     * script walking forged tokens never reaches the database; a real link costs one primary-key read),
     * else the browser's. A German recipient who reloads too often is told so in German.
     */
    const limitLocale = async (req: FastifyRequest): Promise<NotifyLocale> => {
      const params = Params.safeParse(req.params);
      const token = params.success ? params.data.token : '';
      const parcelId = RECIPIENT_TOKEN_PATTERN.test(token) ? parcelOfToken(ctx, token) : null;
      const row = parcelId ? await ctx.store.db.selectFrom('parcels').select(['locale', 'direction']).where('id', '=', parcelId).executeTakeFirst() : undefined;
      return row && row.direction !== 'out' ? pageLocale(row.locale) : browserLocale(req);
    };
    let limiters: { address: ReturnType<FastifyInstance['createRateLimit']>; token: ReturnType<FastifyInstance['createRateLimit']> } | undefined;
    const limited = async (req: FastifyRequest, reply: FastifyReply, which: 'address' | 'token', parcel?: Parcel): Promise<boolean> => {
      limiters ??= {
        address: scope.createRateLimit({ max: RECIPIENT_PAGE_LIMITS.perAddress, timeWindow: 60_000, keyGenerator: (r) => `ra:${r.ip}` }),
        // Only requests with a genuine token get this far, so the token names one parcel.
        token: scope.createRateLimit({ max: RECIPIENT_PAGE_LIMITS.postsPerToken, timeWindow: 60_000, keyGenerator: (r) => `rt:${(r.params as { token: string }).token}` }),
      };
      const r = await limiters[which](req);
      if (r.isAllowed || !r.isExceeded) return false;
      const locale = parcel ? pageLocale(parcel.locale) : await limitLocale(req);
      void send(reply.header('retry-after', String(r.ttlInSeconds)), 429, locale, plainPage(locale, 'limited'));
      return true;
    };
    scope.addHook('onRequest', async (req, reply) => {
      if (await limited(req, reply, 'address')) return reply;
    });

    /** The parcel behind a well-formed, genuine token, or an answer already sent (404 / 410). */
    const resolve = async (req: FastifyRequest, reply: FastifyReply): Promise<Parcel | null> => {
      const { token } = Params.parse(req.params);
      const parcelId = RECIPIENT_TOKEN_PATTERN.test(token) ? parcelOfToken(ctx, token) : null;
      const p = parcelId ? await ctx.store.db.selectFrom('parcels').selectAll().where('id', '=', parcelId).executeTakeFirst() : undefined;
      // A drop-off's sender has no recipient page (ADR drop-offs): its parcel is not "on its way" to anyone here.
      if (!p || p.direction === 'out') {
        const locale = browserLocale(req);
        void send(reply, 404, locale, plainPage(locale, 'invalid'));
        return null;
      }
      if (p.status !== 'expected' && p.status !== 'deposited' && p.status !== 'expired') {
        void send(reply, 410, pageLocale(p.locale), gonePage(pageLocale(p.locale)));
        return null;
      }
      return p;
    };
    const base = (req: FastifyRequest) => `/r/${(req.params as { token: string }).token}`;
    /** The parcel page, its deadlines in the locker's zone as its messages state them. */
    const answer = async (req: FastifyRequest, reply: FastifyReply, status: number, p: Parcel, extra: { done?: 'extended' | 'reach'; refused?: RecipientRefusal['reason'] } = {}) => {
      const timeZone = await kioskTimeZone(ctx.store.db, p.kiosk_id);
      return send(reply, status, pageLocale(p.locale), parcelPage({ parcel: p, base: base(req), extendMaxDays: ctx.customer.extendMaxDays, timeZone, now: ctx.now(), ...extra }));
    };

    scope.get('/r/:token', async (req, reply) => {
      const p = await resolve(req, reply);
      if (p) return answer(req, reply, 200, p);
      return reply;
    });

    /** Runs a form's action; a refusal re-renders the page with its reason (409), with nothing changed. */
    const action = async (req: FastifyRequest, reply: FastifyReply, run: (p: Parcel) => Promise<'extended' | 'reach'>): Promise<FastifyReply> => {
      const p = await resolve(req, reply);
      if (!p) return reply;
      if (await limited(req, reply, 'token', p)) return reply;
      try {
        const done = await run(p);
        // Read again: the page (and the "done" notice, which states the new deadline) shows the parcel as it is now.
        const fresh = await ctx.store.db.selectFrom('parcels').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
        return await answer(req, reply, 200, fresh, { done });
      } catch (err) {
        if (!(err instanceof RecipientRefusal)) throw err;
        return answer(req, reply, err.reason === 'TOO_MANY_DAYS' ? 400 : 409, p, { refused: err.reason });
      }
    };

    scope.post('/r/:token/extend', async (req, reply) =>
      action(req, reply, async (p) => {
        const form = ExtendForm.safeParse(req.body ?? {});
        if (!form.success) throw new RecipientRefusal('TOO_MANY_DAYS', 'days: a whole number');
        await extendByRecipient(ctx, p.id, form.data.days);
        return 'extended';
      }),
    );
    scope.post('/r/:token/reach', async (req, reply) =>
      action(req, reply, async (p) => {
        if (!ReachForm.safeParse(req.body ?? {}).success) throw new HttpError('BAD_INPUT', 'this form takes no fields');
        await requestReach(ctx, p.id);
        return 'reach';
      }),
    );
  });
}

/** Every answer of this page carries the same security headers, and says which language it is in. */
function send(reply: FastifyReply, status: number, locale: NotifyLocale, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-language', locale)
    .header('content-security-policy', RECIPIENT_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .send(html);
}
