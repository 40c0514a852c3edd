/**
 * Chaos: Redis dies mid-dialog and comes back empty. Real: the service
 * in-process on a fresh Postgres database, and a PRIVATE redis-server child
 * (random port, no persistence) that the test kill -9s and restarts on the
 * same port. The shared Redis on 6379 is never touched.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChaosClient } from '../support/chaos-client.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser } from '../support/users.js';

const DEADLINE_MS = 3000;

let redis: PrivateRedis;
let svc: TestService;
let phone: string;
let sessionId: string;
let otp = '';

beforeAll(async () => {
  redis = await startPrivateRedis();
  svc = await startTestService({ env: { REDIS_URL: redis.url, USSD_HOP_DEADLINE_MS: String(DEADLINE_MS) } });
  ({ phone } = await seedUser(svc.app.db));
});

afterAll(async () => {
  await redis?.restart().catch(() => undefined); // lets the service quit Redis cleanly if a test left it dead
  await svc?.stop();
  await redis?.stop();
});

// The slack absorbs a loaded CI machine.
const { atHop, hubtelHop, json, hopProblem, dialToCode, waitForHealth } = createChaosClient(() => svc, {
  deadlineMs: DEADLINE_MS,
  slackMs: 3000,
});

describe('Redis restarted mid-dialog', () => {
  it('reaches "code sent" in a dialog while Redis is up', async () => {
    ({ sessionId, otp } = await dialToCode(phone));
  });

  it('answers every hop with a polite END (200, within the deadline) while Redis is dead, never a 5xx', async () => {
    await redis.kill();
    // An outage lasts: hops keep arriving for OUTAGE_MS (ioredis backs off more and more meanwhile).
    const OUTAGE_MS = 10_000;
    const kinds = [
      () => ['AT code mid-dialog', atHop(sessionId, phone, `1*${otp}`), false] as const,
      () => ['AT retry of an answered hop', atHop(sessionId, phone, '1'), false] as const,
      () => ['AT new dial, same user', atHop(`ATUid_${randomUUID()}`, phone, ''), false] as const,
      (i: number) =>
        [
          'AT new dial, another user',
          atHop(`ATUid_${randomUUID()}`, `+2217700${String(i).padStart(5, '0')}`, ''),
          false,
        ] as const,
      () => ['Hubtel initiation', hubtelHop(randomUUID(), phone, 'Initiation', '*713#', 1), true] as const,
      () => ['Hubtel response', hubtelHop(randomUUID(), phone, 'Response', '1', 2), true] as const,
    ];
    const sent: Array<Promise<string | null>> = [];
    const killedAt = Date.now();
    for (let i = 0; Date.now() - killedAt < OUTAGE_MS; i += 1) {
      const [label, answer, hubtel] = kinds[i % kinds.length]!(i);
      const at = Date.now() - killedAt;
      // A polite END: what a telco shows the user, in time.
      sent.push(answer.then((r) => hopProblem(`${label} sent ${at} ms into the outage`, r, { hubtel, mustEnd: true })));
      await new Promise((r) => setTimeout(r, 400));
    }
    const problems = (await Promise.all(sent)).filter((p) => p !== null);
    expect(sent.length).toBeGreaterThanOrEqual(20);
    expect(problems).toEqual([]);
  });

  it('answers /health with 503 naming redis (postgres still up) while Redis is dead', async () => {
    const r = await svc.get('/health');
    expect(r.status).toBe(503);
    expect(r.body.checks.redis.status).toBe('down');
    expect(r.body.checks.postgres.status).toBe('up');
  });

  it('answers the HTTP API within 10 s and without a 500 while Redis is dead (the limiter falls back to memory, or a 503)', async () => {
    const r = await json('/v1/reset/start', { kind: 'password', identifier: phone }, 10_000);
    expect(r.status, r.text).not.toBe(0);
    if (r.status === 503) expect(JSON.parse(r.text).error.code).toBe('service_unavailable');
    else expect(r.status, r.text).toBe(202);
  });

  it('recovers by itself once Redis is back on the same port: /health 200 without a restart', async () => {
    await redis.restart();
    const r = await waitForHealth(200, 20_000);
    expect(r.status).toBe(200);
    expect(r.body.checks.redis.status).toBe('up');
  });

  it('runs a new dialog end to end after the restart (the old dialog state is gone: the user dials again)', async () => {
    // The old session's next hop: its state died with Redis, so the user gets a valid screen, not an error.
    const stale = await atHop(sessionId, phone, `1*${otp}`);
    expect(stale.status).toBe(200);
    expect(stale.text).toMatch(/^(CON|END) \S/);

    const fresh = `ATUid_${randomUUID()}`;
    expect((await atHop(fresh, phone, '')).text).toMatch(/^CON Molam ID\n1\. /);
    expect((await atHop(fresh, phone, '1')).text).toMatch(/^CON .*code/i);
    const code = await svc.lastOtpFor(phone);
    expect(code).not.toBe(otp);
    expect((await atHop(fresh, phone, `1*${code}`)).text).toMatch(/^CON .*PIN/);
    expect((await atHop(fresh, phone, `1*${code}*4826`)).text).toMatch(/^CON /);
    expect((await atHop(fresh, phone, `1*${code}*4826*4826`)).text).toMatch(/^END .*PIN has been changed/);

    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id
       WHERE u.phone_e164 = $1 AND r.kind = 'ussd_pin' AND r.status = 'completed'`,
      [phone],
    );
    expect(rows).toHaveLength(1);
  });
});
