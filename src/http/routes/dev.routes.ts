/** GET /dev/messages: every outbound message, oldest first. Only mounted outside production. */
import type Router from '@koa/router';
import type { DevOutbox } from '../../../gateways/dev-outbox.js';

export function devRoutes(router: Router, { outbox }: { outbox: DevOutbox }) {
  router.get('/dev/messages', (ctx) => {
    ctx.body = outbox.list().map(({ to, channel, subject, body, sentAt }) => ({ to, channel, subject, body, sentAt }));
  });
}
