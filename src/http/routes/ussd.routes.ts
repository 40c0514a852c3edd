/**
 * USSD webhooks: Africa's Talking (form POST, text/plain CON/END reply, plus
 * its end-of-session notification) and Hubtel (JSON). Routes authenticate,
 * translate with the gateway module and hand the hop to the dialog runtime.
 * A hop always gets a valid USSD answer: an outage becomes a polite END.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseAfricasTalkingSessionEnd, type UssdSessionEnd } from '../../../gateways/ussd/africastalking-ussd-events.js';
import { AFRICASTALKING_USSD_CONTENT_TYPE, latestInput, parseAfricasTalkingUssd, renderAfricasTalkingUssd } from '../../../gateways/ussd/africastalking-ussd.js';
import type { DialogEvent, ScreenReply } from '../../../machines/dialog-event.js';
import { parseHubtelUssd, renderHubtelUssd } from '../../../gateways/ussd/hubtel-ussd.js';
import type { Database } from '../../db/database.js';
import type { DeriveInput, DialogRuntime } from '../../dialogs/dialog-runtime.js';
import { languageOfPhone, politeEnd } from '../../dialogs/polite-end.js';
import { maskPhone, type Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { insertAuditEntry } from '../../queries/audit.queries.js';
import { subscriberPhone } from '../../services/identifiers.js';
import { requireWebhookToken, type WebhookToken } from '../webhook-auth.js';

export interface UssdRouteDeps {
  runtime: DialogRuntime;
  db: Database;
  metrics: Metrics;
  logger: Logger;
  atWebhookToken: WebhookToken;
  hubtelWebhookToken: WebhookToken;
  /** False in production without HUBTEL_WEBHOOK_TOKEN: the route does not exist. */
  hubtelMounted: boolean;
  defaultCountry: string;
}


export function ussdRoutes(router: Router, deps: UssdRouteDeps) {
  const { runtime, metrics, logger } = deps;

  const requireToken = (ctx: Context) => requireWebhookToken(ctx, deps.atWebhookToken, metrics);

  async function answerHop(event: DialogEvent, deriveInput?: DeriveInput): Promise<ScreenReply> {
    const phone = subscriberPhone(event.phone, deps.defaultCountry);
    try {
      return await runtime.hop(phone, event, deriveInput);
    } catch (err) {
      logger.error({ err: (err as Error).message, provider: event.provider, phone: maskPhone(phone) }, 'ussd hop failed');
      metrics.ussdHops.inc({ provider: event.provider, screen: 'runtime_unavailable' });
      return politeEnd('unavailable', languageOfPhone(phone));
    }
  }

  async function recordSessionEnd(end: UssdSessionEnd) {
    metrics.ussdSessions.inc({ provider: end.provider, status: end.status });
    await insertAuditEntry(deps.db, {
      action: 'ussd.session_ended', outcome: end.status, subject: maskPhone(end.phone),
      details: { provider: end.provider, hops: end.hops ?? null, durationMs: end.durationMs ?? null, error: end.errorMessage ?? null },
    });
  }

  router.post('/gateways/africastalking/ussd', async (ctx) => {
    requireToken(ctx);
    const event = parseAfricasTalkingUssd(ctx.request.body);
    const reply = await answerHop(event, latestInput);
    ctx.type = AFRICASTALKING_USSD_CONTENT_TYPE;
    ctx.body = renderAfricasTalkingUssd(reply);
  });

  // An Incomplete session leaves its dialog in place: the next dial offers to continue.
  router.post('/gateways/africastalking/ussd/events', async (ctx) => {
    requireToken(ctx);
    await recordSessionEnd(parseAfricasTalkingSessionEnd(ctx.request.body));
    ctx.status = 204;
  });

  async function hubtelHop(ctx: Context) {
    requireWebhookToken(ctx, deps.hubtelWebhookToken, metrics, 'hubtel');
    const request = parseHubtelUssd(ctx.request.body);
    if (request.kind === 'release') {
      await recordSessionEnd(request.end);
      ctx.body = renderHubtelUssd({ text: '', end: true });
      return;
    }
    ctx.body = renderHubtelUssd(await answerHop(request.event));
  }
  if (deps.hubtelMounted) router.post('/gateways/hubtel/ussd', hubtelHop);
}
