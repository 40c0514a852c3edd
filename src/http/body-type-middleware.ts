/**
 * A body the parser cannot read is refused with 415 rather than read as empty:
 * JSON sent as text/plain would otherwise surface as a puzzling "kind: required".
 */
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

/** The body types the service reads: JSON (API, Hubtel) and forms (Africa's Talking, Twilio). */
export const READABLE_BODY_TYPES = ['json', 'urlencoded'] as const;

export function bodyTypeMiddleware(): Middleware {
  return async (ctx, next) => {
    // An empty body (Content-Length: 0) is no body: the route's field checks answer it.
    const hasBody = Boolean(ctx.request.length) || ctx.get('transfer-encoding') !== '';
    if (hasBody && ['POST', 'PUT', 'PATCH'].includes(ctx.method) && !ctx.is(...READABLE_BODY_TYPES)) {
      throw new AppError(
        'unsupported_media_type',
        'Send the body as application/json (provider webhooks: application/x-www-form-urlencoded)',
        {
          expected: 'application/json',
        },
      );
    }
    await next();
  };
}
