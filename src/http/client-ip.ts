/**
 * The client's IP address, as per-IP limits and audit rows see it. Koa is built
 * with `maxIpsCount` = the trusted proxy hops, so ctx.ip is the X-Forwarded-For
 * entry that many hops from the right (what our own proxies wrote), never the
 * client-written left-most one. A value that is not an IP (a forged header)
 * falls back to the socket's address: the audit column is inet.
 */
import { isIP } from 'node:net';
import type { Context } from 'koa';

export function clientIp(ctx: Context): string | null {
  if (isIP(ctx.ip)) return ctx.ip;
  const socket = ctx.req.socket.remoteAddress;
  return socket && isIP(socket) ? socket : null;
}
