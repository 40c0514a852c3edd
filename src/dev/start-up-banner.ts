/**
 * What `npm run dev` prints once it listens: where to click, whom to try, and
 * which embedded stand-ins replace PostgreSQL, Redis and the SMS providers.
 * Development only: the demo numbers are made up and public.
 */
import type { App } from '../app.js';
import { DEMO_USERS } from './seed.js';

const outboundOf = (configured: boolean) =>
  configured ? 'the configured provider' : 'dev outbox: printed here, nothing leaves this machine';

export function startUpBanner(app: App, port: number): string {
  const { config } = app;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  const demo = config.databaseUrl
    ? ['  demo users   none: DATABASE_URL is set (add one with npm run users:add)']
    : DEMO_USERS.map(
        (u, i) =>
          `  ${i === 0 ? 'demo users' : '          '}   ${u.phone} (${u.language}, ${u.country}${u.email ? `, ${u.email}` : ', no email'})`,
      );
  const database = config.databaseUrl
    ? 'PostgreSQL (DATABASE_URL)'
    : config.pgliteDataDir
      ? `PGlite, embedded, kept in ${config.pgliteDataDir}`
      : 'PGlite, embedded, in memory: starts over on every restart (PGLITE_DATA_DIR keeps it)';
  const lines = [
    '',
    `Molam ID reset service (${config.env}) on ${url}`,
    `  simulator    ${url}/simulator`,
    `  messages     ${url}/dev/messages   (every SMS and email sent; also printed below)`,
    ...demo,
    `  database     ${database}`,
    `  store        ${app.redis ? 'Redis (REDIS_URL)' : 'in-process store instead of Redis'}`,
    `  SMS          ${outboundOf(Boolean(config.africasTalking || config.twilio))}`,
    `  email        ${outboundOf(Boolean(config.ses))}`,
    `  PORT, HOST   ${port}, ${config.host}: set them to change the port and the bind address`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
