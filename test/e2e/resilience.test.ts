/**
 * Shutdown and dependency loss, against the real Postgres and Redis:
 * in-flight requests finish on stop; /health turns 503 when Redis is gone.
 */
import { describe, expect, it } from 'vitest';
import { startTestService } from '../support/test-service.js';

describe('graceful shutdown and health', () => {
  it('finishes in-flight requests when stopped, then closes', async () => {
    const svc = await startTestService();
    let received = 0;
    const allReceived = new Promise<void>((resolve) => {
      svc.server.server.on('request', () => {
        received += 1;
        if (received === 10) resolve();
      });
    });
    const inflight = Array.from({ length: 10 }, (_, i) =>
      svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: `+22177555000${i}` }),
    );
    await allReceived; // all ten have reached the server before it is told to stop
    const stopped = svc.stop();
    const answers = await Promise.all(inflight);
    await stopped;
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    await expect(fetch(`${svc.url}/health`)).rejects.toThrow();
  });

  it('answers /health 503 naming Redis when Redis is unreachable', async () => {
    const svc = await startTestService();
    try {
      svc.app.redis!.disconnect(false);
      const r = await svc.get('/health');
      expect(r.status).toBe(503);
      expect(r.body.checks.redis.status).toBe('down');
      expect(r.body.checks.postgres.status).toBe('up');
    } finally {
      await svc.stop();
    }
  });
});

describe('rate limits', () => {
  it('limits starts per identifier with 429, Retry-After and a metric, known or unknown alike', async () => {
    const svc = await startTestService({ limits: { startPerIdentifier: { points: 2, durationSeconds: 60 } } });
    try {
      for (const identifier of ['+221770000001', '+221779999999']) {
        const codes = [];
        for (let i = 0; i < 3; i += 1)
          codes.push((await svc.post('/v1/reset/start', { kind: 'password', identifier })).status);
        expect(codes).toEqual([202, 202, 429]);
      }
      const limited = await svc.post('/v1/reset/start', { kind: 'password', identifier: '+221770000001' });
      expect(limited.body.error).toMatchObject({ code: 'rate_limited' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const { text } = await svc.get('/metrics');
      expect(text).toMatch(/molam_id_rate_limited_total\{scope="startPerIdentifier"\} [3-9]/);
    } finally {
      await svc.stop();
    }
  });

  it('refuses SMS codes to countries outside SMS_ALLOWED_COUNTRIES, known or unknown numbers alike', async () => {
    const svc = await startTestService({ env: { SMS_ALLOWED_COUNTRIES: 'SN,CI' } });
    try {
      const kenya = await svc.post('/v1/reset/start', { kind: 'password', identifier: '+254700000002' });
      const unknownKenya = await svc.post('/v1/reset/start', { kind: 'password', identifier: '+254711111111' });
      expect([kenya.status, kenya.body.error.code]).toEqual([403, 'channel_refused']);
      expect(unknownKenya.body).toEqual(kenya.body);
      expect((await svc.post('/v1/reset/start', { kind: 'password', identifier: '+221770000001' })).status).toBe(202);
      expect((await svc.get('/metrics')).text).toMatch(/molam_id_rate_limited_total\{scope="smsCountryNotAllowed"\} 2/);
      // The same refusal over USSD is a clear END screen, not "service unavailable" (in Swahili: no account, Kenya).
      await svc.atHop({ sessionId: 'ke-1', phone: '+254700000002', text: '' });
      expect((await svc.atHop({ sessionId: 'ke-1', phone: '+254700000002', text: '1' })).text).toMatch(
        /^END Molam ID bado haitumi misimbo kwa nambari za nchi hii/,
      );
    } finally {
      await svc.stop();
    }
  });

  it('caps SMS codes per number across starts and resends', async () => {
    const svc = await startTestService({ limits: { smsPerPhone: { points: 2, durationSeconds: 3600 } } });
    try {
      const first = await svc.post('/v1/reset/start', { kind: 'password', identifier: '+221770000077' });
      expect(first.status).toBe(202);
      expect((await svc.post('/v1/reset/start', { kind: 'password', identifier: '+221770000077' })).status).toBe(202);
      const third = await svc.post('/v1/reset/start', { kind: 'password', identifier: '+221770000077' });
      expect([third.status, third.body.error.code]).toEqual([429, 'rate_limited']);
      expect((await svc.get('/metrics')).text).toMatch(/molam_id_rate_limited_total\{scope="smsPerPhone"\} 1/);
    } finally {
      await svc.stop();
    }
  });

  it('limits code checks per client IP', async () => {
    const svc = await startTestService({ limits: { verifyPerIp: { points: 3, durationSeconds: 60 } } });
    try {
      const codes = [];
      for (let i = 0; i < 4; i += 1) {
        codes.push(
          (await svc.post('/v1/reset/verify', { requestId: '00000000-0000-4000-8000-000000000000', otp: '123456' }))
            .status,
        );
      }
      expect(codes).toEqual([404, 404, 404, 429]);
    } finally {
      await svc.stop();
    }
  });
});
