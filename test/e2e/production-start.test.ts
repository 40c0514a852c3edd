/**
 * `NODE_ENV=production` as an operator starts it (tsx on the sources, the
 * same entry point dist/server.js is built from): it refuses to start without
 * its secrets, and with them it serves /health on the real Postgres and Redis
 * and has no /dev routes; METRICS_PORT moves /metrics to a listener of its own.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_BACKENDS, spawnWithSecrets, startPasswordReset } from '../support/production-service.js';
import {
  cleanUpSpawnedServices,
  freePort,
  freshBackends,
  spawnService,
  untilSigterm,
  waitForHealth,
} from '../support/spawned-service.js';

afterAll(cleanUpSpawnedServices);

const PRODUCTION = { NODE_ENV: 'production', LOG_LEVEL: 'warn' };

describe('production start', () => {
  it('refuses to start without PEPPER and the other secrets, naming each one', async () => {
    const run = spawnService({ ...PRODUCTION, ...SHARED_BACKENDS });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('PEPPER is required in production');
    expect(run.stderr()).toContain('JWT_RESET_SECRET is required in production');
  });

  it('serves /health and /metrics on real Postgres and Redis, hides /dev, and exits 0 on SIGTERM', async () => {
    const { url, env } = await freshBackends('prod');
    const run = spawnWithSecrets({ ...PRODUCTION, ...env });
    expect(
      await untilSigterm(run, async () => {
        const health = await waitForHealth(url, run);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({
          status: 'ok',
          mode: 'services',
          checks: { postgres: { status: 'up' }, redis: { status: 'up' } },
        });
        expect((await fetch(`${url}/metrics`)).status).toBe(200);
        expect((await fetch(`${url}/dev/messages`)).status).toBe(404);
        expect((await fetch(`${url}/simulator`)).status).toBe(404);
        expect((await startPasswordReset(url)).status).toBe(202);
      }),
    ).toBe(0);
  });

  it('with METRICS_PORT serves /metrics on that port only, and SIGTERM closes both listeners (item 13)', async () => {
    const { url, env } = await freshBackends('prod');
    const metricsPort = await freePort();
    const run = spawnWithSecrets({ ...PRODUCTION, ...env, METRICS_PORT: String(metricsPort) });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    expect(
      await untilSigterm(run, async () => {
        expect((await waitForHealth(url, run)).status).toBe(200);
        expect((await fetch(`${url}/metrics`)).status).toBe(404);
        const scraped = await fetch(metricsUrl);
        expect(scraped.status).toBe(200);
        expect(await scraped.text()).toMatch(/molam_id_request_duration_seconds/);
      }),
    ).toBe(0);
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });
});
