/**
 * Item 13: what a started service (real PostgreSQL and Redis) shows beyond its
 * answers. Every /v1/reset answer, errors included, tells caches not to keep it
 * (verify's carries the reset token); with METRICS_PORT, /metrics is served on
 * its own listener only, which stops with the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser } from '../support/users.js';

async function raw(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  return { status: res.status, cacheControl: res.headers.get('cache-control'), text: await res.text() };
}

describe('item 13: Cache-Control: no-store on every /v1/reset answer', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('marks the verify answer that carries the reset token, and the start and complete answers', async () => {
    const { phone } = await seedUser(svc.app.db, { language: 'fr' });
    const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: phone });
    const verify = await svc.post('/v1/reset/verify', {
      requestId: start.body.requestId,
      otp: await svc.lastOtpFor(phone),
    });
    expect(verify.body.resetToken).toEqual(expect.any(String));
    const complete = await svc.post('/v1/reset/complete', { resetToken: verify.body.resetToken, newPin: '4826' });
    expect([start.status, verify.status, complete.status]).toEqual([202, 200, 204]);
    for (const r of [start, verify, complete]) expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    [
      'a wrong code',
      '/v1/reset/verify',
      { body: JSON.stringify({ requestId: '00000000-0000-4000-8000-000000000000', otp: '123456' }) },
    ],
    ['an invalid body', '/v1/reset/start', { body: JSON.stringify({ kind: 'nope' }) }],
    ['malformed JSON (refused by the body parser)', '/v1/reset/start', { body: '{"kind":' }],
    ['a bad reset token', '/v1/reset/complete', { body: JSON.stringify({ resetToken: 'x.y.z', newPin: '4826' }) }],
    ['an unknown path', '/v1/reset/elsewhere', { body: '{}' }],
    ['a wrong method', '/v1/reset/start', { method: 'GET' }],
  ])('marks the error answer to %s', async (_what, path, init: RequestInit) => {
    const r = await raw(`${svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...init,
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.cacheControl).toBe('no-store');
  });
});

describe('item 13: /metrics on its own port (METRICS_PORT)', () => {
  it('without METRICS_PORT serves /metrics on the main listener, as the operator guide has it', async () => {
    const svc = await startTestService();
    try {
      const r = await raw(`${svc.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.text).toMatch(/molam_id_request_duration_seconds/);
      expect(svc.server.metrics).toBeUndefined();
    } finally {
      await svc.stop();
    }
  });

  it('with METRICS_PORT serves /metrics only there, the main listener answers 404, and both stop together', async () => {
    const svc = await startTestService({ env: { METRICS_PORT: '0' } });
    const metricsUrl = svc.server.metrics!.url;
    try {
      expect(svc.server.metrics!.port).not.toBe(svc.server.port);
      const scraped = await raw(`${metricsUrl}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.text).toMatch(/molam_id_request_duration_seconds/);
      expect((await raw(`${svc.url}/metrics`)).status).toBe(404);
      // The metrics listener serves nothing else.
      expect((await raw(`${metricsUrl}/health`)).status).toBe(404);
      expect((await raw(`${metricsUrl}/v1/reset/start`, { method: 'POST' })).status).toBe(404);
      expect((await raw(`${svc.url}/health`)).status).toBe(200);
    } finally {
      await svc.stop();
    }
    await expect(fetch(`${metricsUrl}/metrics`)).rejects.toThrow();
  });
});
