/**
 * The service spawned as an operator starts it in production (spawnService:
 * tsx on src/server.ts), for the tests of what production refuses, serves and hides.
 */
import { PG_ADMIN_URL, REDIS_URL } from './services.js';
import { spawnService } from './spawned-service.js';

/** Every secret production requires, none of them a development default. */
export const PRODUCTION_SECRETS = {
  PEPPER: 'p'.repeat(48),
  JWT_RESET_SECRET: 'j'.repeat(48),
  AT_WEBHOOK_TOKEN: 'a'.repeat(32),
  AT_USERNAME: 'molam',
  AT_API_KEY: 'k'.repeat(32),
};

/** The shared Postgres and Redis: enough for a start that the configuration refuses before it connects. */
export const SHARED_BACKENDS = { DATABASE_URL: PG_ADMIN_URL, REDIS_URL };

/** Spawns the service with PRODUCTION_SECRETS and `env` over them (where a test blanks or replaces one). */
export const spawnWithSecrets = (env: Record<string, string>) => spawnService({ ...PRODUCTION_SECRETS, ...env });

/** POST /v1/reset/start for a password reset, as an API client sends it. */
export const startPasswordReset = (url: string, identifier = '+221770000001') =>
  fetch(`${url}/v1/reset/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'password', identifier }),
  });
