/**
 * Webhook authentication by a secret ?token= on the callback URL (every USSD
 * gateway, Africa's Talking SMS), and which provider webhooks are mounted at all. In production every
 * mounted webhook is authenticated: a provider without its secret is not mounted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { USSD_GATEWAYS } from '../../gateways/ussd/registry.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { UssdGateway } from '../../gateways/ussd/ussd-gateway.js';

/** Constant-time equality of two secrets of any length. */
export const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** A webhook's expected token; `required` (production) refuses every request when no token is configured. */
export interface WebhookToken {
  value: string | undefined;
  required: boolean;
}

export const webhookToken = (config: Pick<Config, 'isProduction'>, value: string | undefined): WebhookToken => ({
  value,
  required: config.isProduction,
});

/**
 * Throws 403 (and counts it) unless the request carries the configured token.
 * Outside production a webhook without a configured token stays open (local testing).
 */
export function requireWebhookToken(
  query: Context['query'],
  token: WebhookToken,
  metrics: Metrics,
  provider = 'africastalking',
): void {
  if (!token.value && !token.required) return;
  const given = typeof query.token === 'string' ? query.token : '';
  // A missing token in production never matches: defence in depth behind mountedWebhooks().
  if (!token.value || !sameSecret(given, token.value)) {
    metrics.webhookAuthFailures.inc({ provider });
    throw new AppError('forbidden', 'Webhook token missing or wrong');
  }
}

/** A USSD gateway to serve, with the token its webhooks expect. */
export interface MountedUssdGateway {
  gateway: UssdGateway;
  token: WebhookToken;
}

/** Provider webhooks served: the USSD gateways with their tokens, and whether Twilio's are. */
export interface MountedWebhooks {
  ussd: MountedUssdGateway[];
  twilio: boolean;
}

/**
 * In production a provider without its secret is not mounted (404, like any unknown route);
 * start-up says so once, naming the variable. A gateway whose token is required in production
 * (Africa's Talking) is always mounted: the configuration refuses to start without it.
 */
export function mountedWebhooks(config: Config, logger: Logger): MountedWebhooks {
  const ussd: MountedUssdGateway[] = [];
  for (const gateway of USSD_GATEWAYS) {
    const value = config.ussdWebhookTokens[gateway.token.env];
    if (config.isProduction && value === undefined) {
      logger.info(`${gateway.name} USSD webhook not mounted: ${gateway.token.env} is not set`);
    } else {
      ussd.push({ gateway, token: webhookToken(config, value) });
    }
  }
  const twilio = !config.isProduction || config.twilio !== undefined;
  if (!twilio) logger.info('Twilio webhooks not mounted: TWILIO_TOKEN (with TWILIO_SID and TWILIO_PHONE) is not set');
  return { ussd, twilio };
}
