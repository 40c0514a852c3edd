/**
 * Turns every error into {"error": {"code", "message", ...data}} with a stable
 * code. 4xx are shown; anything unexpected becomes a generic 500 and is logged
 * once (koa's rule: 4xx exposed, 5xx hidden).
 */
import type { Middleware } from 'koa';
import { isGatewayError } from '../../gateways/gateway-error.js';
import { isDependencyDown } from '../dependency-errors.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Errors raised by the body parser and koa itself, mapped to our codes. */
function fromHttpError(err: { status?: number; type?: string }): AppError | undefined {
  // The field name comes from our schema, never from the payload: safe to show.
  if (isGatewayError(err)) return new AppError(err.code, err.message, err.field ? { field: err.field } : {});
  if (err.status === 413 || err.type === 'entity.too.large')
    return new AppError('payload_too_large', 'Request body is too large');
  if (err.status === 415)
    return new AppError('unsupported_media_type', 'Send the body as application/json', {
      expected: 'application/json',
    });
  if (err.status === 400 || err.type === 'entity.parse.failed' || err instanceof SyntaxError) {
    return new AppError('invalid_request', 'Malformed request body');
  }
  if (err.status === 404) return new AppError('not_found', 'Not found');
  if (isDependencyDown(err))
    return new AppError('service_unavailable', 'The service is temporarily unavailable. Please try again shortly.');
  return undefined;
}

/** koa-router's allowedMethods answers 405/501 with an `Allow` header and no body: give them ours (the header stays). */
function throwForEmptyStatus(status: number, allow: string): void {
  if (status === 404) throw new AppError('not_found', 'Not found');
  if (status === 405) throw new AppError('method_not_allowed', `Method not allowed here; use ${allow}`, { allow });
  if (status === 501) throw new AppError('not_implemented', 'Method not implemented', { allow });
}

/** The answer to any error: its status, headers and JSON body; an unexpected one is logged once. */
export function errorResponse(raw: unknown, logger: Logger, route: string) {
  const err = isAppError(raw) ? raw : fromHttpError(raw as { status?: number; type?: string });
  if (!err) logger.error({ err: raw, route }, 'unhandled error');
  else if (err.code === 'service_unavailable')
    logger.warn({ err: (raw as Error).message, route }, 'dependency unavailable');
  const safe = err ?? new AppError('internal_error', 'Something went wrong on our side. Please try again.');
  const headers: Record<string, string> = {};
  if (safe.code === 'rate_limited' && typeof safe.data.retryAfterSeconds === 'number') {
    headers['Retry-After'] = String(safe.data.retryAfterSeconds);
  }
  if (safe.code === 'service_unavailable') headers['Retry-After'] = '5';
  return { status: safe.status, headers, body: { error: { code: safe.code, message: safe.message, ...safe.data } } };
}

export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body === undefined) throwForEmptyStatus(ctx.status, ctx.response.get('Allow'));
    } catch (raw) {
      const answer = errorResponse(raw, logger, ctx._matchedRoute ?? ctx.path);
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
    }
  };
}
