/**
 * The embedded dev mode, as `npm run dev` runs it: no DATABASE_URL, no
 * REDIS_URL — PGlite and the in-process store — with demo users seeded and
 * outbound messages listed at /dev/messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ embedded: true });
});
afterAll(async () => {
  await svc?.stop();
});

describe('embedded dev mode', () => {
  it('reports embedded stores as healthy', async () => {
    const r = await svc.get('/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', mode: 'embedded', checks: { pglite: { status: 'up' }, store: { status: 'up' } } });
  });

  it('resets the demo user +221770000001 PIN with the code read from /dev/messages', async () => {
    const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: '+221770000001' });
    expect(start.status).toBe(202);
    await svc.app.settle();
    const messages = (await svc.get('/dev/messages')).body as Array<{ to: string; channel: string; body: string; sentAt: string }>;
    const sms = messages.at(-1)!;
    expect(Object.keys(sms).sort()).toEqual(['body', 'channel', 'sentAt', 'to']);
    expect(sms).toMatchObject({ to: '+221770000001', channel: 'sms' });
    expect(sms.body).toMatch(/^Molam ID: \d{6} est votre code/); // the demo user speaks French
    const otp = sms.body.match(/#(\d{6})$/)![1]!;
    const verify = await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp });
    const complete = await svc.post('/v1/reset/complete', { resetToken: verify.body.resetToken, newPin: '4826' });
    expect(complete.status).toBe(204);
  });

  it('writes to the English demo user in English', async () => {
    await svc.post('/v1/reset/start', { kind: 'password', identifier: '+254700000002' });
    await svc.app.settle();
    const messages = (await svc.get('/dev/messages')).body as Array<{ to: string; body: string }>;
    expect(messages.filter((m) => m.to === '+254700000002').at(-1)!.body).toMatch(/is your password reset code/);
  });

  it('lists messages oldest first', async () => {
    const messages = (await svc.get('/dev/messages')).body as Array<{ sentAt: string }>;
    const times = messages.map((m) => m.sentAt);
    expect([...times].sort()).toEqual(times);
  });
});
