/**
 * One reset token buys bounded bcrypt work (issue 11, item 7): five history
 * checks, then the token is spent; the bcrypt queue is bounded and a full one
 * answers 503 with Retry-After (HTTP) or a polite END (USSD). Attacks against
 * started services on the real PostgreSQL and Redis, each with its own small
 * bcrypt queue (cost 10, as the rest of the suite) so a flood can fill it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createSecretHasher, type SecretHasher } from '../../src/security/secret-hasher.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { LOOSE_IP_LIMITS, newUser, startReset, verify } from './support.js';

const AT_TOKEN = 'at-hook-secret-for-bcrypt-tests-0123456789';
const PIN = '4826';

/** The service's pepper (test defaults), so the hasher the test holds is the one the service would build. */
const hasherWith = (queue: { maxConcurrent: number; maxQueued: number }) =>
  createSecretHasher({ pepper: loadConfig({ NODE_ENV: 'test', BCRYPT_COST: '10' }).pepper, cost: 10, ...queue });

async function serviceWith(hasher: SecretHasher) {
  return startTestService({ env: { AT_WEBHOOK_TOKEN: AT_TOKEN }, limits: LOOSE_IP_LIMITS, hasher });
}

/** An account whose PIN is PIN (set by a first reset), and a verified token for a second reset. */
async function tokenForUserWithPin(svc: TestService) {
  const user = await newUser(svc);
  const first = await startReset(svc, user.phone);
  const token1 = (await verify(svc, first.requestId, first.otp)).body.resetToken;
  expect((await svc.post('/v1/reset/complete', { resetToken: token1, newPin: PIN })).status).toBe(204);
  const second = await startReset(svc, user.phone);
  return {
    user,
    requestId: second.requestId,
    resetToken: (await verify(svc, second.requestId, second.otp)).body.resetToken as string,
  };
}

const historyChecks = async (svc: TestService, requestId: string) =>
  (
    await svc.app.db.query(
      `SELECT 1 FROM molam_audit_log WHERE request_id = $1 AND action = 'reset.secret_rejected' AND outcome = 'reused'`,
      [requestId],
    )
  ).rowCount;

describe('item 7: one reset token buys at most 5 history checks', () => {
  let svc: TestService;
  const hasher = hasherWith({ maxConcurrent: 1, maxQueued: 20 });
  beforeAll(async () => {
    svc = await serviceWith(hasher);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** A USSD session of an account whose PIN is PIN, standing on the new-PIN screen. */
  async function ussdAtNewPin() {
    const { user } = await tokenForUserWithPin(svc);
    const sessionId = `ATUid_${randomUUID()}`;
    const path: string[] = [];
    const type = async (input?: string) => {
      if (input !== undefined) path.push(input);
      return (await svc.atHop({ sessionId, phone: user.phone, text: path.join('*'), token: AT_TOKEN })).text;
    };
    await type();
    await type('1');
    expect(await type(await svc.lastOtpFor(user.phone))).toMatch(/^CON .*PIN/);
    return type;
  }

  it('runs 5 history checks for 30 concurrent completes with a reused PIN, then answers token_used', async () => {
    const { requestId, resetToken } = await tokenForUserWithPin(svc);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => svc.post('/v1/reset/complete', { resetToken, newPin: PIN })),
    );
    const codes = answers.map((a) => `${a.status} ${a.body.error.code}`);
    expect(await historyChecks(svc, requestId)).toBe(5);
    expect(codes.filter((c) => c === '422 weak_secret')).toHaveLength(4);
    expect(codes.filter((c) => c === '409 token_used')).toHaveLength(26);
    const fresh = await svc.post('/v1/reset/complete', { resetToken, newPin: '5937' });
    expect([fresh.status, fresh.body.error.code]).toEqual([409, 'token_used']);
  });

  it('ends a USSD dialog with a true screen once refused PINs spent the reset', async () => {
    const type = await ussdAtNewPin();
    for (let i = 0; i < 4; i += 1) expect(await type(PIN)).toMatch(/^CON Used before/);
    expect(await type(PIN)).toMatch(/^END Too many choices were refused\. Nothing was changed\./);
  });

  it('answers a USSD hop with the polite unavailable END, inside the deadline, when the bcrypt queue is full', async () => {
    const type = await ussdAtNewPin();
    // Fill the queue: one bcrypt running, 20 waiting (about a second of work at cost 10).
    const filling = Array.from({ length: 21 }, () => hasher.hash('filler'));
    // The machine's own screen, not the runtime's "still working" one: it was reached before the deadline.
    expect(await type('5937')).toMatch(/^END Service unavailable\. Nothing was changed\./);
    await Promise.all(filling);
  });
});

describe('item 7: the bcrypt queue is bounded', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await serviceWith(hasherWith({ maxConcurrent: 1, maxQueued: 2 }));
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers a flood of completes across tokens with 503 and Retry-After, never another 5xx, and lets a real user through', async () => {
    const attackers = [];
    for (let i = 0; i < 6; i += 1) attackers.push(await tokenForUserWithPin(svc));
    const real = await tokenForUserWithPin(svc);
    const flood = attackers.flatMap((a) =>
      Array.from({ length: 5 }, () => svc.post('/v1/reset/complete', { resetToken: a.resetToken, newPin: PIN })),
    );
    const mine = svc.post('/v1/reset/complete', { resetToken: real.resetToken, newPin: '5937' });
    const answers = await Promise.all(flood);

    expect(answers.map((a) => a.status).filter((s) => ![409, 422, 503].includes(s))).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const a of unavailable) {
      expect(a.body.error.code).toBe('service_unavailable');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Total bcrypt work stays bounded by the per-token cap, whatever the flood.
    for (const a of attackers) expect(await historyChecks(svc, a.requestId)).toBeLessThanOrEqual(5);

    // The real user is either served or told to retry shortly; the retry goes through.
    const first = await mine;
    expect([204, 503]).toContain(first.status);
    if (first.status === 503)
      expect((await svc.post('/v1/reset/complete', { resetToken: real.resetToken, newPin: '5937' })).status).toBe(204);
  });
});
