/** Cache-Control: no-store on every answer under a path prefix, errors included (verify answers carry a reset token). */
import type { Middleware } from 'koa';

export function noStoreMiddleware(prefix: string): Middleware {
  return async (ctx, next) => {
    // Set before the error middleware runs, so 4xx/5xx answers carry it too.
    if (ctx.path.startsWith(prefix)) ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
