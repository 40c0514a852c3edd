/** Webhook authentication shared by the Africa's Talking routes (a secret ?token= on the callback URL). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';

/** Constant-time equality of two secrets of any length. */
export const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Throws 403 (and counts it) when a token is configured and the request does not carry it. */
export function requireAtToken(ctx: Context, token: string | undefined, metrics: Metrics): void {
  if (!token) return;
  const given = typeof ctx.query.token === 'string' ? ctx.query.token : '';
  if (!sameSecret(given, token)) {
    metrics.webhookAuthFailures.inc({ provider: 'africastalking' });
    throw new AppError('forbidden', 'Webhook token missing or wrong');
  }
}
