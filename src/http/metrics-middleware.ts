/** Times every request into molam_id_request_duration_seconds, labelled by route template, never by raw path. */
import type { Middleware } from 'koa';
import type { Metrics } from '../observability/metrics.js';

export function requestMetricsMiddleware(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const end = metrics.requestDuration.startTimer();
    try {
      await next();
    } finally {
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
      end({ method: ctx.method, route, status: String(ctx.status) });
    }
  };
}
