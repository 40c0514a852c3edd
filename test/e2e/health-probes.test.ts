/**
 * Issue 15 item 9: liveness apart from readiness. Real: the service in-process
 * on a fresh Postgres database and a PRIVATE redis-server child that the test
 * kills (the shared Redis on 6379 is never touched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { startTestService, type TestService } from '../support/test-service.js';

let redis: PrivateRedis;
let svc: TestService;

beforeAll(async () => {
  redis = await startPrivateRedis();
  svc = await startTestService({ env: { REDIS_URL: redis.url } });
});

afterAll(async () => {
  await redis?.restart().catch(() => undefined);
  await svc?.stop();
  await redis?.stop();
});

describe('issue 15 item 9: /health/live never touches a dependency, /health/ready and /health do', () => {
  it('answers all three 200 while Postgres and Redis are up', async () => {
    const [live, ready, health] = await Promise.all([
      svc.get('/health/live'),
      svc.get('/health/ready'),
      svc.get('/health'),
    ]);
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(live.body.checks).toBeUndefined();
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } },
    });
    expect(health.body.checks).toEqual(expect.objectContaining({ redis: expect.objectContaining({ status: 'up' }) }));
  });

  it('keeps /health/live at 200 while Redis is down, when /health/ready and /health answer 503', async () => {
    await redis.kill();
    let ready = await svc.get('/health/ready');
    for (const until = Date.now() + 10_000; ready.status !== 503 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await svc.get('/health/ready');
    }
    expect(ready).toMatchObject({ status: 503, body: { status: 'degraded', checks: { redis: { status: 'down' } } } });
    expect((await svc.get('/health')).status).toBe(503);
    const started = performance.now();
    const live = await svc.get('/health/live');
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    // No dependency check ran: the 1.5 s check timeout would show here.
    expect(performance.now() - started).toBeLessThan(500);
  });
});
