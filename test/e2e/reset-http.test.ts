/**
 * End to end over HTTP against a started service on the real PostgreSQL and
 * Redis of this machine (fresh database and Redis prefix for this suite).
 * Only the message sender is the in-memory dev outbox, so codes can be read.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
/** A fresh user per test: tests never share rate-limit counters or requests. */
async function newUser(opts: { email?: boolean; lang?: string } = {}) {
  const digits = String(randomInt(0, 10_000_000)).padStart(7, '0');
  const phone = `+22177${digits}`;
  const email = opts.email ? `user.${digits}@example.sn` : undefined;
  return createUserQueries(svc.app.db).upsertUser({ phone, email, language: opts.lang ?? 'fr', country: 'SN' });
}

async function startAndVerify(kind: 'password' | 'ussd_pin', phone: string) {
  const start = await svc.post('/v1/reset/start', { kind, identifier: phone });
  expect(start.status).toBe(202);
  const otp = await svc.lastOtpFor(phone);
  const verify = await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp });
  expect(verify.status).toBe(200);
  return { requestId: start.body.requestId as string, resetToken: verify.body.resetToken as string, otp };
}

beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('password and PIN reset over HTTP', () => {
  it('opens every one of several simultaneous starts for one account, the newest live and each code sent', async () => {
    const user = await newUser();
    const starts = await Promise.all(
      [1, 2, 3].map(() => svc.post('/v1/reset/start', { kind: 'password', identifier: user.phone_e164! })),
    );
    expect(starts.map((s) => s.status)).toEqual([202, 202, 202]);
    await svc.app.settle();
    const { rows } = await svc.app.db.query<{ status: string }>(
      'SELECT status FROM molam_reset_requests WHERE user_id = $1 ORDER BY created_at',
      [user.id],
    );
    // Before the per-account lock the deferred inserts collided on idx_reset_one_live and a code was lost.
    expect(rows.map((r) => r.status).sort()).toEqual(['cancelled', 'cancelled', 'pending']);
    expect(svc.app.outbox!.list().filter((m) => m.to === user.phone_e164)).toHaveLength(3);
    expect(svc.logs.join('')).not.toContain('deferred work failed');
  });

  it('resets a PIN end to end: start, code by SMS, verify, complete, confirmation by SMS and email', async () => {
    const user = await newUser({ email: true });
    const { resetToken } = await startAndVerify('ussd_pin', user.phone_e164!);
    const complete = await svc.post('/v1/reset/complete', { resetToken, newPin: '4826' });
    expect(complete.status).toBe(204);
    await svc.app.settle();
    const { rows } = await svc.app.db.query<{ pin_hash: string }>('SELECT pin_hash FROM molam_users WHERE id = $1', [
      user.id,
    ]);
    expect(rows[0]!.pin_hash).toMatch(/^\$2b\$10\$/);
    const sent = svc.app.outbox!.list().filter((m) => m.to === user.phone_e164 || m.to === user.email);
    expect(sent.map((m) => m.channel)).toEqual(['sms', 'sms', 'email']);
    expect(sent[1]!.body).toMatch(/NON|NOT ME/);
  });

  it('resets a password from an email identifier, the code going to that email', async () => {
    const user = await newUser({ email: true, lang: 'en' });
    const start = await svc.post('/v1/reset/start', { kind: 'password', identifier: user.email!.toUpperCase() });
    expect(start.status).toBe(202);
    const otp = await svc.lastOtpFor(user.email!);
    const verify = await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp });
    const complete = await svc.post('/v1/reset/complete', {
      resetToken: verify.body.resetToken,
      newPassword: 'lantern orbit cassava 42',
    });
    expect(complete.status).toBe(204);
    const event = await svc.app.db.query<{ event_type: string; payload: any }>(
      'SELECT event_type, payload FROM molam_outbox WHERE aggregate_id = $1',
      [user.id],
    );
    expect(event.rows[0]!.event_type).toBe('id.password.reset.completed');
    expect(JSON.stringify(event.rows[0]!.payload)).not.toContain(user.phone_e164!.slice(4));
  });

  it('accepts a local phone format and normalizes it to E.164', async () => {
    const user = await newUser();
    const local = user.phone_e164!.replace('+221', '').replace(/(\d{2})(\d{3})(\d{2})(\d{2})/, '$1 $2 $3 $4');
    const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: local });
    expect(start.status).toBe(202);
    expect(await svc.lastOtpFor(user.phone_e164!)).toMatch(/^\d{6}$/);
  });

  it('answers an unknown identifier exactly like a known one and sends nothing', async () => {
    const known = await newUser();
    const before = svc.app.outbox!.list().length;
    const a = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: '+221779999901' });
    const b = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: known.phone_e164 });
    await svc.app.settle();
    expect(a.status).toBe(b.status);
    expect(Object.keys(a.body).sort()).toEqual(Object.keys(b.body).sort());
    expect(a.body.expiresInSeconds).toBe(b.body.expiresInSeconds);
    expect(svc.app.outbox!.list().length).toBe(before + 1);
    // A guessed code on the unknown request behaves like a wrong code on a real one.
    const wrongA = await svc.post('/v1/reset/verify', { requestId: a.body.requestId, otp: '123456' });
    const wrongB = await svc.post('/v1/reset/verify', {
      requestId: b.body.requestId,
      otp: '123456' === (await svc.lastOtpFor(known.phone_e164!)) ? '654321' : '123456',
    });
    expect(wrongA.body).toEqual(wrongB.body);
  });

  it('locks the request after the fifth wrong code, even for the right code afterwards', async () => {
    const user = await newUser();
    const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone_e164 });
    const otp = await svc.lastOtpFor(user.phone_e164!);
    const wrong = otp === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i += 1)
      answers.push(await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp: wrong }));
    expect(answers.slice(0, 4).map((a) => [a.status, a.body.error.code, a.body.error.attemptsLeft])).toEqual([
      [400, 'otp_invalid', 4],
      [400, 'otp_invalid', 3],
      [400, 'otp_invalid', 2],
      [400, 'otp_invalid', 1],
    ]);
    expect([answers[4]!.status, answers[4]!.body.error.code]).toEqual([423, 'request_locked']);
    const right = await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp });
    expect([right.status, right.body.error.code]).toEqual([423, 'request_locked']);
    const audit = await svc.app.db.query<{ action: string }>(
      'SELECT action FROM molam_audit_log WHERE request_id = $1 ORDER BY id',
      [start.body.requestId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'reset.requested',
      'reset.code_sent',
      'reset.code_failed',
      'reset.code_failed',
      'reset.code_failed',
      'reset.code_failed',
      'reset.locked',
    ]);
  });

  it('spends a code once: verifying it a second time is refused', async () => {
    const user = await newUser();
    const { requestId, otp } = await startAndVerify('ussd_pin', user.phone_e164!);
    const again = await svc.post('/v1/reset/verify', { requestId, otp });
    expect([again.status, again.body.error.code]).toEqual([410, 'otp_expired']);
  });

  it('uses a reset token once, even when two completions race', async () => {
    const user = await newUser();
    const { resetToken } = await startAndVerify('ussd_pin', user.phone_e164!);
    const [a, b] = await Promise.all([
      svc.post('/v1/reset/complete', { resetToken, newPin: '4826' }),
      svc.post('/v1/reset/complete', { resetToken, newPin: '5937' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 409]);
    const late = await svc.post('/v1/reset/complete', { resetToken, newPin: '7394' });
    expect([late.status, late.body.error.code]).toEqual([409, 'token_used']);
  });

  it('refuses a forged, truncated or foreign token with token_invalid', async () => {
    const user = await newUser();
    const { resetToken } = await startAndVerify('ussd_pin', user.phone_e164!);
    const [h, p] = resetToken.split('.');
    for (const token of [`${h}.${p}.AAAA`, resetToken.slice(0, -3), 'not-a-token', `${h}.${p}.`]) {
      const r = await svc.post('/v1/reset/complete', { resetToken: token, newPin: '4826' });
      expect([r.status, r.body.error.code]).toEqual([401, 'token_invalid']);
    }
  });

  it('refuses weak PINs and passwords with the reason, and lets the user try again', async () => {
    const user = await newUser();
    const { resetToken } = await startAndVerify('ussd_pin', user.phone_e164!);
    const reasons = [];
    for (const newPin of ['1234', '9876', '1111', '0000', '12', 'abcd', '1990']) {
      const r = await svc.post('/v1/reset/complete', { resetToken, newPin });
      expect(r.status).toBe(422);
      reasons.push(r.body.error.reason);
    }
    expect(reasons).toEqual(['sequence', 'sequence', 'repeated', 'repeated', 'format', 'format', 'common']);
    expect((await svc.post('/v1/reset/complete', { resetToken, newPin: '4826' })).status).toBe(204);

    const pw = await newUser({ email: true });
    const t2 = await startAndVerify('password', pw.phone_e164!);
    const short = await svc.post('/v1/reset/complete', { resetToken: t2.resetToken, newPassword: 'abc12' });
    const common = await svc.post('/v1/reset/complete', { resetToken: t2.resetToken, newPassword: 'password123' });
    expect([short.body.error.reason, common.status]).toEqual(['length', 422]);
    const wrongField = await svc.post('/v1/reset/complete', { resetToken: t2.resetToken, newPin: '4826' });
    expect([wrongField.status, wrongField.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('refuses any of the last three PINs', async () => {
    const user = await newUser();
    for (const pin of ['4826', '5937', '7394']) {
      const { resetToken } = await startAndVerify('ussd_pin', user.phone_e164!);
      expect((await svc.post('/v1/reset/complete', { resetToken, newPin: pin })).status).toBe(204);
    }
    const { resetToken } = await startAndVerify('ussd_pin', user.phone_e164!);
    const reused = await svc.post('/v1/reset/complete', { resetToken, newPin: '4826' });
    expect([reused.status, reused.body.error.reason]).toEqual([422, 'reused']);
    expect((await svc.post('/v1/reset/complete', { resetToken, newPin: '8150' })).status).toBe(204);
  });

  it('enforces the resend cooldown with 429 and Retry-After', async () => {
    const user = await newUser();
    const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone_e164 });
    await svc.app.settle(); // the request row is written after the answer
    const resend = await svc.post('/v1/reset/resend', { requestId: start.body.requestId });
    expect([resend.status, resend.body.error.code]).toEqual([429, 'rate_limited']);
    expect(Number(resend.headers.get('retry-after'))).toBeGreaterThan(50);
  });

  it('keeps only one live code per account: a new request voids the previous code', async () => {
    const user = await newUser();
    const first = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone_e164 });
    const firstOtp = await svc.lastOtpFor(user.phone_e164!);
    await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone_e164 });
    await svc.app.settle(); // the request row is written after the answer
    const stale = await svc.post('/v1/reset/verify', { requestId: first.body.requestId, otp: firstOtp });
    expect([stale.status, stale.body.error.code]).toEqual([410, 'otp_expired']);
  });
});

describe('bad input', () => {
  it.each([
    ['missing kind', { identifier: '+221770000001' }],
    ['unknown kind', { kind: 'root', identifier: '+221770000001' }],
    ['garbage identifier', { kind: 'password', identifier: 'hello world' }],
    ['number as identifier', { kind: 'password', identifier: 221770000001 }],
    ['array body', [1, 2, 3]],
  ])('answers 400 invalid_request for %s', async (_name, body) => {
    const r = await svc.post('/v1/reset/start', body);
    expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('answers 400 for malformed JSON and 413 for an oversize body', async () => {
    const malformed = await svc.post('/v1/reset/start', '{"kind":');
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'invalid_request']);
    const huge = await svc.post('/v1/reset/start', { kind: 'password', identifier: 'x'.repeat(64 * 1024) });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'payload_too_large']);
  });

  it('answers 404 request_not_found for a request id that was never issued', async () => {
    const r = await svc.post('/v1/reset/verify', { requestId: '00000000-0000-4000-8000-000000000000', otp: '123456' });
    expect([r.status, r.body.error.code]).toEqual([404, 'request_not_found']);
  });

  it('never echoes a submitted secret in an error message', async () => {
    const r = await svc.post('/v1/reset/verify', { requestId: 'nope', otp: '98765x' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).not.toContain('98765x');
  });
});

describe('observability', () => {
  it('exports the guide metrics with route templates as labels', async () => {
    const { text } = await svc.get('/metrics');
    expect(text).toContain(
      'molam_id_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/reset/start",status="202"}',
    );
    expect(text).toMatch(/molam_id_otp_failures_total\{kind="ussd_pin",reason="invalid"\} \d+/);
    expect(text).toMatch(/molam_id_reset_requests_total\{kind="ussd_pin",channel="sms",country="SN"\} \d+/);
    expect(text).toContain('# TYPE molam_id_rate_limited_total counter');
  });

  it('reports each dependency in /health', async () => {
    const r = await svc.get('/health');
    expect(r.status).toBe(200);
    expect(r.body.checks.postgres.status).toBe('up');
    expect(r.body.checks.redis.status).toBe('up');
  });

  it('never writes an OTP, a PIN, a token or a full phone number to the logs', async () => {
    const user = await newUser();
    const { resetToken, otp } = await startAndVerify('ussd_pin', user.phone_e164!);
    await svc.post('/v1/reset/complete', { resetToken, newPin: '6283' });
    await svc.app.settle();
    const logs = svc.logs.join('\n');
    for (const secret of [otp, '6283', resetToken, user.phone_e164!]) expect(logs).not.toContain(secret);
  });
});
