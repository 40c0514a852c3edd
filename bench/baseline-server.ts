/**
 * The bare baseline: Koa + @koa/bodyparser parse the same Africa's Talking
 * form POST, one Redis GET and one SET (the session), answer `CON ...`.
 * Env: PORT, REDIS_URL, REDIS_KEY_PREFIX.
 */
import { bodyParser } from '@koa/bodyparser';
import { Redis } from 'ioredis';
import Koa from 'koa';

const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: process.env.REDIS_KEY_PREFIX });
const MENU = 'CON Molam ID\n1. Nouveau code PIN\n2. Nouveau mot de passe';

const app = new Koa();
app.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb' }));
app.use(async (ctx) => {
  if (ctx.path === '/health') {
    await redis.ping();
    ctx.body = 'ok';
    return;
  }
  if (ctx.method !== 'POST' || ctx.path !== '/gateways/africastalking/ussd') return; // 404
  const { sessionId, phoneNumber, text = '' } = ctx.request.body as Record<string, string | undefined>;
  if (!sessionId || !phoneNumber) ctx.throw(400);
  const key = `s:${sessionId}`;
  const previous = await redis.get(key);
  await redis.set(key, JSON.stringify({ phone: phoneNumber, path: text, hops: previous ? 2 : 1 }), 'PX', 600_000);
  ctx.type = 'text/plain';
  ctx.body = MENU;
});
app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
