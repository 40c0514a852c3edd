/**
 * Guessing codes: bursts of concurrent verifies against a started service on
 * the real PostgreSQL and Redis (issue 11, items 4 and 5). A compare is
 * counted from the audit trail, where each one writes exactly one row:
 * reset.code_failed, reset.verified, or reset.locked by a wrong code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';
import { LOOSE_IP_LIMITS, messagesTo, newUser, startReset, verify, wrongCodeFor } from './support.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ limits: LOOSE_IP_LIMITS });
});
afterAll(async () => {
  await svc?.stop();
});

const COMPARES = `(action IN ('reset.code_failed', 'reset.verified') OR (action = 'reset.locked' AND outcome IS DISTINCT FROM 'account_cap'))`;

async function comparesOnRequest(requestId: string) {
  const { rows } = await svc.app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM molam_audit_log WHERE request_id = $1 AND ${COMPARES}`,
    [requestId],
  );
  return rows[0]!.n;
}

async function comparesOnAccount(userId: string) {
  const { rows } = await svc.app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM molam_audit_log WHERE user_id = $1 AND ${COMPARES}`,
    [userId],
  );
  return rows[0]!.n;
}

const statusOf = async (requestId: string) =>
  (
    await svc.app.db.query<{ status: string; attempts: number }>(
      'SELECT status, attempts FROM molam_reset_requests WHERE id = $1',
      [requestId],
    )
  ).rows[0]!;

describe('item 4: tries per code hold under concurrency', () => {
  it('runs at most 5 compares for 50 parallel wrong verifies, then refuses the right code', async () => {
    const user = await newUser(svc);
    const { requestId, otp } = await startReset(svc, user.phone);
    const wrong = wrongCodeFor(otp);
    const answers = await Promise.all(Array.from({ length: 50 }, () => verify(svc, requestId, wrong)));

    expect(await comparesOnRequest(requestId)).toBeLessThanOrEqual(5);
    expect(await statusOf(requestId)).toEqual({ status: 'locked', attempts: 5 });
    const codes = answers.map((a) => `${a.status} ${a.body.error.code}`);
    expect(codes.filter((c) => c === '400 otp_invalid').length).toBeLessThanOrEqual(4);
    expect(codes.filter((c) => c !== '400 otp_invalid' && c !== '423 request_locked')).toEqual([]);

    const right = await verify(svc, requestId, otp);
    expect([right.status, right.body.error.code]).toEqual([423, 'request_locked']);
  });

  it('never verifies a burst of 10 whose right code is at positions 6 and 7 (10 requests)', async () => {
    // Arrival order over separate connections is not the sender's order, so positions are made
    // real: tries 6-10 leave once the database has counted tries 1-5, while those are still in flight.
    let verified = 0;
    for (let round = 0; round < 10; round += 1) {
      const user = await newUser(svc);
      const { requestId, otp } = await startReset(svc, user.phone);
      const wrong = wrongCodeFor(otp);
      const firstFive = Array.from({ length: 5 }, () => verify(svc, requestId, wrong));
      while ((await statusOf(requestId)).attempts < 5) await new Promise((resolve) => setImmediate(resolve));
      const rest = [otp, otp, wrong, wrong, wrong].map((code) => verify(svc, requestId, code));
      const answers = await Promise.all([...firstFive, ...rest]);
      verified += answers.filter((a) => a.status === 200).length;
      expect(answers.slice(5, 7).map((a) => a.body.error?.code)).toEqual(['request_locked', 'request_locked']);
      expect(await comparesOnRequest(requestId)).toBeLessThanOrEqual(5);
    }
    expect(verified).toBe(0);
  });

  it('compares at most 5 codes of a fully concurrent burst of 10, right codes included', async () => {
    const user = await newUser(svc);
    const { requestId, otp } = await startReset(svc, user.phone);
    const wrong = wrongCodeFor(otp);
    const burst = [wrong, wrong, wrong, wrong, wrong, otp, otp, wrong, wrong, wrong];
    const answers = await Promise.all(burst.map((code) => verify(svc, requestId, code)));
    expect(await comparesOnRequest(requestId)).toBeLessThanOrEqual(5);
    expect((await statusOf(requestId)).attempts).toBeLessThanOrEqual(5);
    // A right code can win only by taking one of the five tries: then it is the only success.
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
  });
});

describe('item 5: the per-account cap of wrong codes is checked before the compare', () => {
  it('gives new requests no new guesses: 10 compares per account a day, whatever the identifier', async () => {
    const user = await newUser(svc, { email: true });
    const guessAll = async (requestId: string, code: string, n: number) => {
      const answers = [];
      for (let i = 0; i < n; i += 1) answers.push(await verify(svc, requestId, code));
      return answers.map((a) => `${a.status} ${a.body.error?.code}`);
    };
    // 4 wrong codes on a phone request, 4 on an email request of the same account (the code goes to the email).
    const first = await startReset(svc, user.phone);
    expect(await guessAll(first.requestId, wrongCodeFor(first.otp), 4)).toEqual(Array(4).fill('400 otp_invalid'));
    const second = await startReset(svc, user.email!, 'password');
    expect(await guessAll(second.requestId, wrongCodeFor(second.otp), 4)).toEqual(Array(4).fill('400 otp_invalid'));
    // A third request: two more compares reach the cap of 10; the 11th guess is refused without one.
    const third = await startReset(svc, user.phone);
    expect(await guessAll(third.requestId, wrongCodeFor(third.otp), 3)).toEqual([
      '400 otp_invalid',
      '400 otp_invalid',
      '423 request_locked',
    ]);
    const right = await verify(svc, third.requestId, third.otp);
    expect([right.status, right.body.error.code]).toEqual([423, 'request_locked']);

    expect(await comparesOnAccount(user.id)).toBe(10);
    const capped = await svc.app.db.query(
      `SELECT 1 FROM molam_audit_log WHERE request_id = $1 AND action = 'reset.locked' AND outcome = 'account_cap'`,
      [third.requestId],
    );
    expect(capped.rowCount).toBe(1);
    // And a fourth start gets the same 202 but no code: it cannot buy more guesses either (item 6).
    const before = (await messagesTo(svc, user.phone)).length;
    expect((await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone })).status).toBe(202);
    expect((await messagesTo(svc, user.phone)).length).toBe(before);
  });

  it('keeps concurrent guesses on two live requests of one account within what is left of the cap', async () => {
    const user = await newUser(svc);
    const spend = async (n: number) => {
      const r = await startReset(svc, user.phone);
      for (let i = 0; i < n; i += 1) expect((await verify(svc, r.requestId, wrongCodeFor(r.otp))).status).toBe(400);
    };
    await spend(4);
    await spend(2); // 6 of the 10 spent; 4 left
    // Two live requests (one per kind), 5 tries each: 10 wrong codes at once against a budget of 4.
    const pin = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone });
    const password = await svc.post('/v1/reset/start', { kind: 'password', identifier: user.phone });
    const codes = (await messagesTo(svc, user.phone)).map((m) => m.body.match(/\b(\d{6})\b/)?.[1] ?? '');
    const wrong = wrongCodeFor(...codes);
    await Promise.all(
      [pin, password].flatMap((r) => Array.from({ length: 5 }, () => verify(svc, r.body.requestId, wrong))),
    );

    expect(await comparesOnAccount(user.id)).toBe(10);
    expect((await statusOf(pin.body.requestId)).status).toBe('locked');
    expect((await statusOf(password.body.requestId)).status).toBe('locked');
  });
});
