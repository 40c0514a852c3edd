/**
 * SIRA signals end to end on this machine: the risk monitor (in-process
 * counters, and the real Redis for the shared ones) raises signals, the
 * sender POSTs them to a local HTTP receiver that checks each signature.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRiskCounters, createRedisRiskCounters, type RiskCounters } from '../../src/risk/risk-counters.js';
import { createRiskMetrics } from '../../src/risk/risk-metrics.js';
import { createRiskMonitor, type RiskThresholds } from '../../src/risk/risk-monitor.js';
import { createSiraSender, type SiraSender } from '../../src/risk/sira-sender.js';
import { REDIS_URL, uniqueRedisPrefix } from '../support/services.js';
import { startSiraReceiver, type SiraReceiver } from './sira-receiver.js';

const SECRET = 'sira-test-signing-secret-0123456789abcdef';
const PEPPER = 'risk-test-pepper-0123456789abcdef0123456789';
let receiver: SiraReceiver;
let sender: SiraSender;
let now = Date.parse('2026-03-01T10:00:00Z');
const clock = () => now;

function monitor(thresholds: Partial<RiskThresholds> = {}, counters: RiskCounters = createMemoryRiskCounters(clock)) {
  return createRiskMonitor({ counters, sender, thresholds, clock });
}
const otp = (over: Partial<Parameters<ReturnType<typeof monitor>['onOtpResult']>[0]> = {}) => ({
  kind: 'ussd_pin',
  country: 'SN',
  ip: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  subjectDigest: randomUUID(),
  ok: false,
  ...over,
});

beforeAll(async () => {
  receiver = await startSiraReceiver(SECRET);
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  await sender?.close();
  receiver.signals.length = 0;
  receiver.requests.length = 0;
});
const newSender = (extra: Partial<Parameters<typeof createSiraSender>[0]> = {}) => {
  sender = createSiraSender({ url: receiver.url, secret: SECRET, retryBaseMs: 20, ...extra });
  return sender;
};

describe('otp_anomaly', () => {
  it('fires once the failure rate passes the threshold over the minimum sample, overall and per country', async () => {
    newSender();
    const m = monitor({ otpMinSample: 10, otpFailureRate: 0.4 });
    for (let i = 0; i < 6; i += 1) m.onOtpResult(otp({ ok: true }));
    for (let i = 0; i < 3; i += 1) m.onOtpResult(otp({ country: 'CI' })); // CI alone stays under its minimum sample
    await m.settle();
    expect(receiver.signals).toHaveLength(0); // 3 of 9: below both sample and rate
    for (let i = 0; i < 4; i += 1) m.onOtpResult(otp());
    await m.settle();
    await sender.flush();
    const anomalies = receiver.signals.filter((s) => s.signal === 'otp_anomaly');
    expect(anomalies.map((s) => s.key).sort()).toEqual(['otp_anomaly:global']);
    expect(anomalies[0]!.data).toMatchObject({ scope: 'global', threshold: 0.4, windowSeconds: 900 });
    expect(anomalies[0]!.data.sample).toBeGreaterThanOrEqual(10);
    expect(anomalies[0]!.data.failureRate).toBeGreaterThan(0.4);
    for (let i = 0; i < 10; i += 1) m.onOtpResult(otp());
    await m.settle();
    await sender.flush();
    const keys = receiver.signals
      .filter((s) => s.signal === 'otp_anomaly')
      .map((s) => s.key)
      .sort();
    expect(keys).toEqual(['otp_anomaly:country:SN', 'otp_anomaly:global']); // global not sent twice: deduplicated
    expect(receiver.requests.every((r) => r.valid)).toBe(true);
  });

  it('forgets failures once they leave the rolling window', async () => {
    newSender();
    const m = monitor({ otpMinSample: 5, otpWindowMs: 60_000 });
    for (let i = 0; i < 4; i += 1) m.onOtpResult(otp());
    await m.settle();
    now += 120_000;
    m.onOtpResult(otp());
    await m.settle();
    await sender.flush();
    expect(receiver.signals.filter((s) => s.signal === 'otp_anomaly')).toHaveLength(0);
  });
});

describe('brute_force_attempt', () => {
  it('fires for repeated failures from one IP across phones', async () => {
    newSender();
    const m = monitor({ bruteForceIpFailures: 5, otpMinSample: 1000 });
    for (let i = 0; i < 7; i += 1) m.onOtpResult(otp({ ip: '198.51.100.7' }));
    await m.settle();
    await receiver.waitFor(1);
    expect(receiver.signals).toHaveLength(1);
    expect(receiver.signals[0]).toMatchObject({
      signal: 'brute_force_attempt',
      severity: 'high',
      data: { target: 'ip', ip: '198.51.100.7', failures: 5 },
    });
  });

  it('fires for repeated failures against one phone from many IPs, naming only its digest', async () => {
    newSender();
    const m = monitor({ bruteForceSubjectFailures: 4, otpMinSample: 1000 });
    const subjectDigest = 'a'.repeat(64);
    for (let i = 0; i < 4; i += 1) m.onOtpResult(otp({ subjectDigest }));
    await m.settle();
    await receiver.waitFor(1);
    expect(receiver.signals[0]).toMatchObject({
      signal: 'brute_force_attempt',
      data: { target: 'subject', subjectDigest },
    });
  });
});

describe('suspicious_reset_pattern', () => {
  it('fires for many resets of one user, one IP resetting many users, "not me" and a reset after a SIM swap', async () => {
    newSender();
    const m = monitor({ resetsPerUser: 3, usersPerIp: 4 });
    const [user, swapped] = [randomUUID(), randomUUID()];
    for (let i = 0; i < 3; i += 1) m.onResetRequested({ userId: user, ip: null, country: 'SN' });
    for (let i = 0; i < 3; i += 1) m.onResetRequested({ userId: randomUUID(), ip: '203.0.113.9', country: 'SN' });
    m.onResetRequested({ userId: null, ip: '203.0.113.9', country: null }); // no user, no digest: nothing to count
    m.onResetRequested({ userId: null, ip: '203.0.113.9', country: null, subjectDigest: 'b'.repeat(64) }); // an unknown number counts
    m.onNotMe({ userId: user, channel: 'sms' });
    m.onSimSwap({ userId: swapped, status: 'unknown' });
    m.onSimSwap({ userId: swapped, status: 'swapped', country: 'SN' });
    await m.settle();
    now += 60_000; // later the same day: another reset for the swapped SIM's user
    m.onResetRequested({ userId: swapped, ip: null, country: 'SN' });
    await m.settle();
    await receiver.waitFor(4);
    await sender.flush();
    const reasons = receiver.signals.map((s) => `${s.signal}/${String(s.data.reason)}`).sort();
    expect(reasons).toEqual([
      'suspicious_reset_pattern/many_resets_for_user',
      'suspicious_reset_pattern/not_me',
      'suspicious_reset_pattern/one_ip_many_users',
      'suspicious_reset_pattern/reset_after_sim_swap',
    ]);
  });
});

describe('sira sender', () => {
  it('retries a 5xx with backoff, the same signal id every time, until SIRA takes it', async () => {
    const metrics = createRiskMetrics(new Registry());
    newSender({ metrics });
    receiver.script = [503, 502];
    createRiskMonitor({ counters: createMemoryRiskCounters(clock), sender, clock, metrics }).onNotMe({
      userId: randomUUID(),
    });
    await receiver.waitFor(1);
    await sender.flush(); // the sender counts 'delivered' once SIRA's answer is back
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.id)).size).toBe(1);
    expect((await metrics.deliveries.get()).values.map((v) => [v.labels.result, v.value]).sort()).toEqual([
      ['delivered', 1],
      ['retried', 2],
    ]);
    expect((await metrics.signals.get()).values[0]).toMatchObject({
      labels: { signal: 'suspicious_reset_pattern' },
      value: 1,
    });
  });

  it('is refused by a receiver that checks signatures when the secret is wrong, and does not retry that', async () => {
    newSender({ secret: 'not-the-shared-secret' });
    sender.send({
      id: randomUUID(),
      signal: 'otp_anomaly',
      source: 'molam-id-password-reset',
      occurredAt: new Date().toISOString(),
      severity: 'high',
      key: 'k',
      data: {},
    });
    await sender.flush();
    expect(receiver.requests).toEqual([{ id: expect.any(String), valid: false }]);
    expect(receiver.signals).toHaveLength(0);
  });

  it('never blocks or throws into the caller: a dead SIRA, a broken Redis, a full queue', async () => {
    const metrics = createRiskMetrics(new Registry());
    sender = createSiraSender({
      url: 'http://127.0.0.1:1/signals',
      secret: SECRET,
      maxQueue: 3,
      retryBaseMs: 10_000,
      metrics,
    });
    const broken: RiskCounters = {
      ...createMemoryRiskCounters(),
      increment: async () => {
        throw new Error('redis down');
      },
    };
    const warnings: string[] = [];
    const m = createRiskMonitor({
      counters: broken,
      sender,
      logger: { warn: (_o: unknown, msg?: string) => warnings.push(String(msg)) } as never,
    });
    const t = performance.now();
    expect(() => m.onOtpResult(otp())).not.toThrow();
    for (let i = 0; i < 5; i += 1) m.onNotMe({ userId: randomUUID() });
    expect(performance.now() - t).toBeLessThan(50);
    await m.settle();
    expect(warnings).toContain('risk evaluation failed');
    expect(sender.pending()).toBe(3);
    expect((await metrics.deliveries.get()).values.find((v) => v.labels.result === 'dropped')?.value).toBe(2);
  });
});

describe('risk counters in Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { keyPrefix: uniqueRedisPrefix('risk') });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('count in a rolling window, count distinct members, and claim a key once', async () => {
    let t = Date.parse('2026-03-01T10:00:00Z');
    const c = createRedisRiskCounters(redis, { pepper: PEPPER, clock: () => t });
    expect(await c.increment('n', 60_000)).toBe(1);
    expect(await c.increment('n', 60_000, 2)).toBe(3);
    t += 30_000;
    expect(await c.increment('n', 60_000)).toBe(4);
    t += 45_000; // the first two adds have left the window
    expect(await c.read('n', 60_000)).toBe(1);
    expect(await c.addDistinct('ip', 'u1', 60_000)).toBe(1);
    expect(await c.addDistinct('ip', 'u1', 60_000)).toBe(1);
    expect(await c.addDistinct('ip', 'u2', 60_000)).toBe(2);
    expect(await c.claim('once', 1000)).toBe(true);
    expect(await c.claim('once', 1000)).toBe(false);
  });

  it('deduplicates a signal across two instances sharing Redis', async () => {
    newSender();
    const shared = () => monitor({}, createRedisRiskCounters(redis, { pepper: PEPPER, clock }));
    const [a, b] = [shared(), shared()];
    const userId = randomUUID();
    a.onNotMe({ userId });
    b.onNotMe({ userId });
    await Promise.all([a.settle(), b.settle()]);
    await sender.flush();
    expect(receiver.signals).toHaveLength(1);
  });
});
