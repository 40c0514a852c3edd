/** Webhook authentication by a secret ?token= on the callback URL (Africa's Talking, Hubtel). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';

/** Constant-time equality of two secrets of any length. */
export const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Throws 403 (and counts it) when a token is configured and the request does not carry it. */
export function requireWebhookToken(ctx: Context, token: string | undefined, metrics: Metrics, provider = 'africastalking'): void {
  if (!token) return;
  const given = typeof ctx.query.token === 'string' ? ctx.query.token : '';
  if (!sameSecret(given, token)) {
    metrics.webhookAuthFailures.inc({ provider });
    throw new AppError('forbidden', 'Webhook token missing or wrong');
  }
}
