/**
 * SMS webhooks: inbound replies and delivery reports from Africa's Talking
 * (secret ?token=) and Twilio (X-Twilio-Signature over PUBLIC_BASE_URL + path).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseAfricasTalkingInboundSms } from '../../../gateways/sms/africastalking-sms-inbound.js';
import {
  parseAfricasTalkingDeliveryReport,
  parseTwilioStatusCallback,
} from '../../../gateways/sms/delivery-reports.js';
import {
  parseTwilioInbound,
  renderTwiml,
  TWIML_CONTENT_TYPE,
  verifyTwilioSignature,
} from '../../../gateways/sms/twilio-inbound.js';
import { AppError } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { DeliveryService } from '../../services/delivery-service.js';
import type { InboundSmsService } from '../../services/inbound-sms-service.js';
import type { Notifier } from '../../services/notifier.js';
import { requireWebhookToken, type WebhookToken } from '../webhook-auth.js';

export interface SmsRouteDeps {
  inbound: InboundSmsService;
  delivery: DeliveryService;
  notifier: Notifier;
  metrics: Metrics;
  atWebhookToken: WebhookToken;
  twilioAuthToken: string | undefined;
  /** False in production without Twilio credentials: its routes do not exist. */
  twilioMounted: boolean;
  /** The URL Twilio calls, as it signs it; behind a proxy the local URL differs. */
  publicBaseUrl: string | undefined;
  defer: (work: () => Promise<unknown>) => void;
}

export function smsRoutes(router: Router, deps: SmsRouteDeps) {
  const { metrics } = deps;

  function requireTwilioSignature(ctx: Context): Record<string, string> {
    const params = (ctx.request.body ?? {}) as Record<string, string>;
    const base = deps.publicBaseUrl ?? `${ctx.protocol}://${ctx.host}`;
    const signature = ctx.get('X-Twilio-Signature');
    const valid =
      deps.twilioAuthToken !== undefined &&
      signature !== '' &&
      verifyTwilioSignature({ authToken: deps.twilioAuthToken, url: `${base}${ctx.originalUrl}`, params, signature });
    if (!valid) {
      metrics.webhookAuthFailures.inc({ provider: 'twilio' });
      throw new AppError('forbidden', 'Twilio signature missing or wrong');
    }
    return params;
  }

  // No reply owed: an empty <Response/>, which Twilio answers with no SMS.
  if (deps.twilioMounted) {
    router.post('/gateways/twilio/sms/inbound', async (ctx) => {
      const { reply } = await deps.inbound.handle(parseTwilioInbound(requireTwilioSignature(ctx)));
      ctx.type = TWIML_CONTENT_TYPE;
      ctx.body = renderTwiml(reply);
    });

    router.post('/gateways/twilio/sms/status', async (ctx) => {
      await deps.delivery.onReport(parseTwilioStatusCallback(requireTwilioSignature(ctx)));
      ctx.status = 204;
    });
  }

  // Africa's Talking has no synchronous reply: the answer goes out as a new SMS, after this 200.
  // No reply owed (a duplicate, an unknown number, past the cap): the same 200, and no SMS.
  router.post('/gateways/africastalking/sms/inbound', async (ctx) => {
    requireWebhookToken(ctx.query, deps.atWebhookToken, metrics);
    const { phone, reply } = await deps.inbound.handle(parseAfricasTalkingInboundSms(ctx.request.body));
    if (reply !== null) deps.defer(() => deps.notifier.sendReply(phone, reply));
    ctx.status = 200;
    ctx.body = '';
  });

  router.post('/gateways/africastalking/sms/delivery', async (ctx) => {
    requireWebhookToken(ctx.query, deps.atWebhookToken, metrics);
    await deps.delivery.onReport(parseAfricasTalkingDeliveryReport(ctx.request.body));
    ctx.status = 200;
    ctx.body = '';
  });
}
