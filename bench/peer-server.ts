/**
 * The peer: the same three-screen menu (menu → code → new PIN → END) written
 * with ussd-menu-builder on a Redis session (sessionConfig start/get/set/end
 * on ioredis; the library has no TTL, so start() sets one). One UssdMenu per
 * request: the README's shared instance keeps `args`/`session` on the object
 * and mixes concurrent requests up. Env: PORT, REDIS_URL, REDIS_KEY_PREFIX.
 */
import { bodyParser } from '@koa/bodyparser';
import { Redis } from 'ioredis';
import Koa from 'koa';
import UssdMenu from 'ussd-menu-builder';

const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: process.env.REDIS_KEY_PREFIX });
const TTL_MS = 600_000;
const key = (id: string) => `s:${id}`;

function buildMenu(): UssdMenu {
  const menu = new UssdMenu();
  menu.sessionConfig({
    start: (id) => redis.multi().hsetnx(key(id), 'startedAt', String(Date.now())).pexpire(key(id), TTL_MS).exec(),
    get: (id, k) => redis.hget(key(id), k),
    set: (id, k, v) => redis.hset(key(id), k, v),
    end: (id) => redis.del(key(id)),
  });
  const screen = (name: string, text: string) => () => void menu.session.set('screen', name).then(() => menu.con(text));
  menu.startState({
    run: screen('menu', 'Molam ID\n1. Nouveau code PIN\n2. Nouveau mot de passe'),
    next: { 1: 'pin.code', 2: 'password.code' },
  });
  menu.state('pin.code', {
    run: screen('pin.code', 'Entrez le code a 6 chiffres recu par SMS\n0. Retour'),
    next: { '*^\\d{6}$': 'pin.new' },
  });
  menu.state('pin.new', {
    run: screen('pin.new', 'Choisissez un nouveau code PIN: 4 a 6 chiffres\n00. Menu'),
    next: { '*^\\d{4,6}$': 'pin.done' },
  });
  menu.state('pin.done', { run: () => menu.end('Votre code PIN a ete modifie.') });
  menu.state('password.code', { run: () => menu.end('Bientot disponible.') });
  return menu;
}

const app = new Koa();
app.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb' }));
app.use(async (ctx) => {
  if (ctx.path === '/health') {
    await redis.ping();
    ctx.body = 'ok';
    return;
  }
  if (ctx.method !== 'POST' || ctx.path !== '/gateways/africastalking/ussd') return; // 404
  const menu = buildMenu();
  const failed = new Promise<never>((_, reject) => menu.on('error', reject));
  ctx.type = 'text/plain';
  ctx.body = await Promise.race([menu.run(ctx.request.body as Record<string, string>), failed]);
});
app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
