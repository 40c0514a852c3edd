/**
 * USSD webhooks: one loop over the registered gateway descriptors
 * (gateways/ussd/registry.ts). Each route authenticates, translates with its
 * descriptor and hands the hop to the dialog runtime, or a session end to the
 * sessions service. A hop always gets a valid USSD answer: an outage becomes a
 * polite END. The same hop answer serves the koa route and the small handler
 * in front of koa (src/http/ussd-hop-handler.ts) that takes the hot path.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { DialogEvent, ScreenReply } from '../../../machines/dialog-event.js';
import type { DeriveInput, DialogRuntime } from '../../dialogs/dialog-runtime.js';
import { languageOfPhone, politeEnd } from '../../dialogs/polite-end.js';
import { maskPhone, type Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { subscriberPhone } from '../../services/identifiers.js';
import type { UssdSessions } from '../../services/ussd-sessions.js';
import { requireWebhookToken, type MountedUssdGateway } from '../webhook-auth.js';

export interface UssdRouteDeps {
  runtime: DialogRuntime;
  sessions: UssdSessions;
  metrics: Metrics;
  logger: Logger;
  /** The gateways to mount: in production, only those whose token is set (see mountedWebhooks). */
  gateways: readonly MountedUssdGateway[];
  defaultCountry: string;
}

/** What a session-end request is answered, where the provider expects a screen (Hubtel). */
const SESSION_CLOSED: ScreenReply = { text: '', end: true };

/** A hop webhook's answer: always 200 with the provider's reply format. */
export interface UssdHopAnswer {
  contentType: string;
  body: string | object;
}

/**
 * Answers one hop webhook request of a mounted gateway, given its parsed body
 * and query. @throws AppError (403) or GatewayError (4xx) before any work is done.
 */
export function createUssdHopAnswer(deps: UssdRouteDeps) {
  const { runtime, sessions, metrics, logger } = deps;

  async function answerHop(event: DialogEvent, deriveInput: DeriveInput | undefined): Promise<ScreenReply> {
    const phone = subscriberPhone(event.phone, deps.defaultCountry);
    try {
      return await runtime.hop(phone, event, deriveInput);
    } catch (err) {
      logger.error(
        { err: (err as Error).message, provider: event.provider, phone: maskPhone(phone) },
        'ussd hop failed',
      );
      metrics.ussdHops.inc({ provider: event.provider, screen: 'runtime_unavailable' });
      return politeEnd('unavailable', languageOfPhone(phone));
    }
  }

  return async (
    { gateway, token }: MountedUssdGateway,
    body: unknown,
    query: Context['query'],
  ): Promise<UssdHopAnswer> => {
    requireWebhookToken(query, token, metrics, gateway.provider);
    const request = gateway.parse(body, new Date());
    let reply = SESSION_CLOSED;
    if (request.kind === 'hop') reply = await answerHop(request.event, gateway.latestInput);
    else await sessions.ended(request.end);
    return { contentType: gateway.contentType, body: gateway.render(reply, request.echo) };
  };
}

export type UssdHopAnswerer = ReturnType<typeof createUssdHopAnswer>;

export function ussdRoutes(router: Router, deps: UssdRouteDeps, answer: UssdHopAnswerer) {
  for (const mounted of deps.gateways) {
    router.post(mounted.gateway.path, async (ctx) => {
      const { contentType, body } = await answer(mounted, ctx.request.body, ctx.query);
      ctx.type = contentType;
      ctx.body = body;
    });

    const { sessionEnd } = mounted.gateway;
    if (sessionEnd) {
      router.post(sessionEnd.path, async (ctx) => {
        requireWebhookToken(ctx.query, mounted.token, deps.metrics, mounted.gateway.provider);
        await deps.sessions.ended(sessionEnd.parse(ctx.request.body, new Date()));
        ctx.status = 204;
      });
    }
  }
}
