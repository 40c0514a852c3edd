/**
 * The lock screen tells the truth (issue 11, item 6): after five wrong codes
 * the END states a cool-off, and during it a new dial sends nothing and shows
 * the time left; over HTTP a start answers as usual and sends nothing. Whole
 * USSD sessions as Africa's Talking drives them, on the real PostgreSQL and
 * Redis; the SMS are read from the dev outbox.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';
import { LOOSE_IP_LIMITS, messagesTo, newUser, startReset, verify, wrongCodeFor } from './support.js';

const AT_TOKEN = 'at-hook-secret-for-lockout-tests-0123456789';
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { AT_WEBHOOK_TOKEN: AT_TOKEN }, limits: LOOSE_IP_LIMITS });
});
afterAll(async () => {
  await svc?.stop();
});

/** A new USSD session: each type() adds one input to the cumulative path. */
function session(phone: string) {
  const sessionId = `ATUid_${randomUUID()}`;
  const inputs: string[] = [];
  const hop = async () => (await svc.atHop({ sessionId, phone, text: inputs.join('*'), token: AT_TOKEN })).text;
  return {
    dial: hop,
    type: async (input: string) => {
      inputs.push(input);
      return hop();
    },
  };
}

const requestCount = async (userId: string) =>
  (await svc.app.db.query('SELECT 1 FROM molam_reset_requests WHERE user_id = $1', [userId])).rowCount;

/** What the test database would hold an hour later: the lock is as old as the cool-off. */
const ageLocks = (userId: string) =>
  svc.app.db.query(`UPDATE molam_reset_requests SET locked_at = locked_at - interval '61 minutes' WHERE user_id = $1`, [
    userId,
  ]);

const SCREENS = {
  en: {
    locked: /^END Too many wrong codes\. Reset is blocked for 60 min\./,
    blocked: /^END Too many wrong codes\. Reset is blocked for (59|60) min\./,
  },
  fr: {
    locked: /^END Trop de codes incorrects\. Demande bloquee pendant 60 min\./,
    blocked: /^END Trop de codes incorrects\. Demande bloquee pendant (59|60) min\./,
  },
};

describe('item 6: the lockout screen tells the truth', () => {
  it.each(['en', 'fr'] as const)(
    'blocks new requests for the cool-off it states, then lets a reset through (%s)',
    async (lang) => {
      const user = await newUser(svc, { lang });
      const first = session(user.phone);
      await first.dial();
      expect(await first.type('1')).toMatch(/^CON /);
      const otp = await svc.lastOtpFor(user.phone);
      const replies = [];
      for (let i = 0; i < 5; i += 1) replies.push(await first.type(wrongCodeFor(otp)));
      expect(replies[4]).toMatch(SCREENS[lang].locked);

      // The next dial opens no request and sends no SMS; the screen gives the time left.
      const sent = (await messagesTo(svc, user.phone)).length;
      const redial = session(user.phone);
      expect(await redial.dial()).toMatch(/^CON Molam ID\n1\. /);
      expect(await redial.type('1')).toMatch(SCREENS[lang].blocked);
      expect((await messagesTo(svc, user.phone)).length).toBe(sent);
      expect(await requestCount(user.id)).toBe(1);

      // Once the cool-off is over, a reset works again.
      await ageLocks(user.id);
      const later = session(user.phone);
      await later.dial();
      expect(await later.type('1')).toMatch(/^CON /);
      expect((await messagesTo(svc, user.phone)).length).toBe(sent + 1);
      expect(await later.type(await svc.lastOtpFor(user.phone))).toMatch(/^CON .*PIN/);
    },
  );

  it('answers an HTTP start during the cool-off like any other and sends nothing; verify stays request_locked', async () => {
    const user = await newUser(svc);
    const { requestId, otp } = await startReset(svc, user.phone);
    for (let i = 0; i < 5; i += 1) await verify(svc, requestId, wrongCodeFor(otp));
    const locked = await verify(svc, requestId, otp);
    expect([locked.status, locked.body.error.code]).toEqual([423, 'request_locked']);

    const sent = (await messagesTo(svc, user.phone)).length;
    const during = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone });
    const unknown = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: '+221769999901' });
    expect(during.status).toBe(202);
    expect(Object.keys(during.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect((await messagesTo(svc, user.phone)).length).toBe(sent);
    // The request stored is a decoy: no account behind it, so no code can open it.
    const row = await svc.app.db.query<{ user_id: string | null }>(
      'SELECT user_id FROM molam_reset_requests WHERE id = $1',
      [during.body.requestId],
    );
    expect(row.rows).toEqual([{ user_id: null }]);

    await ageLocks(user.id);
    await startReset(svc, user.phone);
    expect((await messagesTo(svc, user.phone)).length).toBe(sent + 1);
  });
});
