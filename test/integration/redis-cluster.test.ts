/**
 * Issue 13 items 4 and 6: the service on a real Redis Cluster (scripts/redis-cluster.sh:
 * 3 masters + 3 replicas on 127.0.0.1:7000-7005). Real: the service in-process on a fresh
 * Postgres database, REDIS_CLUSTER_NODES with its own key prefix. Nothing mocked.
 * The failover (a node killed) lives in test/chaos/redis-cluster-failover.test.ts.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { createRedisRiskCounters } from '../../src/risk/risk-counters.js';
import { createRateLimiter } from '../../src/services/rate-limits.js';
import { isCluster } from '../../src/store/redis-client.js';
import { CLUSTER_NODES, clusterTestsShouldRun } from '../support/redis-cluster.js';
import { uniqueRedisPrefix } from '../support/services.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { atSession } from '../support/ussd-sessions.js';

const TOKEN = 'at-hook-secret';
const run = await clusterTestsShouldRun();
let svc: TestService;

beforeAll(async () => {
  if (!run) return;
  svc = await startTestService({
    env: { AT_WEBHOOK_TOKEN: TOKEN, REDIS_CLUSTER_NODES: CLUSTER_NODES, REDIS_KEY_PREFIX: uniqueRedisPrefix('cluster') },
    limits: { startPerIp: { points: 2, durationSeconds: 60 } },
  });
});
afterAll(async () => {
  await svc?.stop();
});

async function newUser() {
  const phone = `+22177${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
  return phone;
}
const requestsOf = async (phone: string) =>
  (await svc.app.db.query<{ status: string }>(
    `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1`, [phone])).rows;
const smsTo = (phone: string) => svc.app.outbox!.list().filter((m) => m.to === phone);

describe.runIf(run)('issue 13 items 4 and 6: the service on a Redis Cluster', () => {
  it('runs on the cluster client and reports it healthy', async () => {
    expect(isCluster(svc.app.redis!)).toBe(true);
    expect((await svc.get('/health')).status).toBe(200);
  });

  it("resets a PIN end to end through Africa's Talking", async () => {
    const phone = await newUser();
    const s = atSession(svc, phone, { token: TOKEN });
    expect(await s.dial()).toMatch(/^CON Molam ID/);
    expect(await s.type('1')).toMatch(/^CON .*code/i);
    expect(await s.type(await svc.lastOtpFor(phone))).toMatch(/^CON .*PIN/);
    expect(await s.type('4826')).toMatch(/^CON /);
    expect(await s.type('4826')).toMatch(/^END .*PIN/);
    expect(await requestsOf(phone)).toEqual([{ status: 'completed' }]);
  });

  it('gives one transition for 20 concurrent copies of one hop', async () => {
    const phone = await newUser();
    const s = atSession(svc, phone, { token: TOKEN });
    await s.dial();
    const replies = await Promise.all(Array.from({ length: 20 }, () => svc.atHop({ sessionId: s.sessionId, phone, text: '1', token: TOKEN })));
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(replies[0]!.text).toMatch(/^CON .*code/i);
    expect(await requestsOf(phone)).toHaveLength(1);
    await svc.app.settle();
    expect(smsTo(phone)).toHaveLength(1);
  });

  it('answers a retried hop from the stored reply and changes nothing', async () => {
    const phone = await newUser();
    const s = atSession(svc, phone, { token: TOKEN });
    await s.dial();
    const first = await s.type('1');
    expect(await s.retry()).toBe(first);
    await svc.app.settle();
    expect(await requestsOf(phone)).toHaveLength(1);
    expect(smsTo(phone)).toHaveLength(1);
  });

  it('holds a rate limit on the cluster: a second limiter (fresh insurance memory) sees the same count', async () => {
    const limits = { startPerIp: { points: 2, durationSeconds: 60 } };
    const a = createRateLimiter({ redis: svc.app.redis, keyPrefix: '', pepper: 'p', limits });
    const b = createRateLimiter({ redis: svc.app.redis, keyPrefix: '', pepper: 'p', limits });
    const ip = `198.51.100.${randomInt(0, 255)}-${randomInt(0, 1e9)}`;
    await a.consume('startPerIp', ip);
    await b.consume('startPerIp', ip);
    await expect(a.consume('startPerIp', ip)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await b.isExhausted('startPerIp', ip)).toBe(true);
  });

  it('keeps a risk counter\'s buckets in one slot (MULTI + MGET on the cluster)', async () => {
    const key = `ip:${randomInt(0, 1e9)}`;
    const c = createRedisRiskCounters(svc.app.redis!, { pepper: 'p' });
    await c.increment(key, 60_000);
    expect(await c.increment(key, 60_000, 2)).toBe(3);
    expect(await c.read(key, 60_000)).toBe(3);
  });

  it('acknowledges a COMMIT once a replica has it (WAIT 1), and measures what that costs', async () => {
    const redis = svc.app.redis!;
    const key = `wait-cost:{${randomInt(0, 1e9)}}`;
    const timeIt = async (withWait: boolean) => {
      const times: number[] = [];
      for (let i = 0; i < 100; i += 1) {
        const t0 = performance.now();
        const p = redis.pipeline().set(key, String(i), 'PX', 10_000);
        if (withWait) p.call('WAIT', 1, 250);
        const res = await p.exec();
        times.push(performance.now() - t0);
        if (withWait) expect(res![1]![1]).toBe(1);
      }
      return times.sort((x, y) => x - y)[50]!;
    };
    await timeIt(false); // warm-up
    const without = await timeIt(false);
    const withWait = await timeIt(true);
    console.log(`WAIT 1 cost per commit: p50 ${without.toFixed(2)} ms without, ${withWait.toFixed(2)} ms with (+${(withWait - without).toFixed(2)} ms)`);
    expect(withWait).toBeLessThan(250);
  });
});
