/**
 * Attacks on the SMS budgets, against a started service on the real
 * PostgreSQL and Redis (small budgets through startTestService's `limits`):
 * made-up numbers spending a country's budget (item 9), and email starts
 * spending the linked phone's counter (item 17). Codes are read from the dev outbox.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import type { Limits } from '../../src/services/rate-limits.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { senegaleseNumber } from '../support/users.js';

const AT_TOKEN = 'sms-budgets-webhook-token-0123456789abcdef';
const HOUR = 3600;
const perHour = (points: number) => ({ points, durationSeconds: HOUR });
/** One client IP sends the whole attack here (item 10 is about rotating it). */
const NO_IP_LIMIT = { startPerIp: perHour(100_000) };

const ivorian = () => `+22507${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

async function service(limits: Partial<Limits>) {
  return startTestService({ env: { AT_WEBHOOK_TOKEN: AT_TOKEN }, limits: { ...NO_IP_LIMIT, ...limits } });
}

const addUser = (svc: TestService, user: { phone: string; email?: string; country: string }) =>
  createUserQueries(svc.app.db).upsertUser({ ...user, language: 'fr' });

const start = (svc: TestService, identifier: string, channel?: 'sms' | 'email') =>
  svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier, ...(channel ? { channel } : {}) });

/** Fires one HTTP start per number, ten at a time; returns their statuses. */
async function flood(svc: TestService, numbers: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < numbers.length; i += 10) {
    const batch = await Promise.all(numbers.slice(i, i + 10).map((n) => start(svc, n)));
    statuses.push(...batch.map((r) => r.status));
  }
  await svc.app.settle();
  return statuses;
}

/** Dials, answers the language screen if asked, chooses "new PIN": the screen that follows. */
async function ussdAskCode(svc: TestService, phone: string): Promise<string> {
  const sessionId = `ATUid_${randomUUID()}`;
  const path: string[] = [];
  let screen = (await svc.atHop({ sessionId, phone, text: '', token: AT_TOKEN })).text;
  if (/Francais/.test(screen) && !/PIN/.test(screen)) {
    path.push('1');
    screen = (await svc.atHop({ sessionId, phone, text: path.join('*'), token: AT_TOKEN })).text;
  }
  path.push('1');
  return (await svc.atHop({ sessionId, phone, text: path.join('*'), token: AT_TOKEN })).text;
}

const smsTo = (svc: TestService, phone: string) => svc.app.outbox!.list().filter((m) => m.to === phone);
const decoyRowsOf = async (svc: TestService, country: string) =>
  Number(
    (
      await svc.app.db.query<{ n: string }>(
        'SELECT count(*) AS n FROM molam_reset_requests WHERE user_id IS NULL AND country = $1',
        [country],
      )
    ).rows[0]!.n,
  );
/** The answer without the request id, which is random for everyone. */
const shape = (r: { status: number; body: any }) => ({
  status: r.status,
  body: { ...r.body, requestId: typeof r.body?.requestId },
});

describe("item 9: made-up numbers cannot spend a country's SMS budget", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await service({ smsPerCountry: perHour(20), unknownStartsPerCountry: perHour(40) });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('after 60 starts with random +22507 numbers, a real Ivorian user still gets a code over HTTP and over USSD', async () => {
    const statuses = await flood(svc, Array.from({ length: 60 }, ivorian));
    expect(statuses).toEqual(Array(60).fill(202));

    const overHttp = await addUser(svc, { phone: ivorian(), country: 'CI' });
    const r = await start(svc, overHttp.phone_e164!);
    expect(r.status).toBe(202);
    expect(await svc.lastOtpFor(overHttp.phone_e164!)).toMatch(/^\d{6}$/);

    const overUssd = await addUser(svc, { phone: ivorian(), country: 'CI' });
    const screen = await ussdAskCode(svc, overUssd.phone_e164!);
    expect(screen).toMatch(/^CON .*code/i);
    expect(screen).not.toMatch(/Trop de demandes/);
    expect(await svc.lastOtpFor(overUssd.phone_e164!)).toMatch(/^\d{6}$/);
  });

  it('past their own budget, made-up numbers leave no decoy row over HTTP and get the rate-limited screen over USSD', async () => {
    // The 60 numbers above spent the 40 of the unknown budget: 40 decoy rows, not 60.
    expect(await decoyRowsOf(svc, 'CI')).toBe(40);
    const unknown = ivorian();
    const answer = await start(svc, unknown);
    await svc.app.settle();
    expect(answer.status).toBe(202);
    expect(await decoyRowsOf(svc, 'CI')).toBe(40);
    expect(await ussdAskCode(svc, ivorian())).toMatch(/^END Trop de demandes/);
    // Another country's unknown numbers have their own budget.
    expect((await start(svc, senegaleseNumber())).status).toBe(202);
    await svc.app.settle();
    expect(await decoyRowsOf(svc, 'SN')).toBe(1);
  });

  it('answers a known and an unknown number alike while the unknown budget is spent', async () => {
    const known = await addUser(svc, { phone: ivorian(), country: 'CI' });
    const a = await start(svc, known.phone_e164!);
    const b = await start(svc, ivorian());
    expect(shape(a)).toEqual(shape(b));
  });
});

describe('item 9: the country budget still caps the codes real accounts receive', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await service({ smsPerCountry: perHour(2) });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('past it, a real account gets the same answer with no code over HTTP, and the rate-limited screen over USSD', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => addUser(svc, { phone: ivorian(), country: 'CI' })));
    for (const u of users.slice(0, 2)) {
      expect((await start(svc, u.phone_e164!)).status).toBe(202);
      expect(await svc.lastOtpFor(u.phone_e164!)).toMatch(/^\d{6}$/);
    }
    const overBudget = await start(svc, users[2]!.phone_e164!);
    const unknown = await start(svc, ivorian());
    await svc.app.settle();
    expect(shape(overBudget)).toEqual(shape(unknown));
    expect(smsTo(svc, users[2]!.phone_e164!)).toEqual([]);
    expect(await ussdAskCode(svc, users[3]!.phone_e164!)).toMatch(/^END Trop de demandes/);
    expect(smsTo(svc, users[3]!.phone_e164!)).toEqual([]);
  });
});

describe('item 17: an email start with channel sms reveals no email↔phone link', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await service({ startPerIdentifier: perHour(6), smsPerPhone: perHour(3) });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers a real and a made-up email alike, 429 included, and leaves the linked phone its own counter', async () => {
    const tag = randomInt(0, 1e9);
    const user = await addUser(svc, { phone: senegaleseNumber(), email: `real.${tag}@example.sn`, country: 'SN' });
    const answers: { real: ReturnType<typeof shape>; fake: ReturnType<typeof shape>; retry: [unknown, unknown] }[] = [];
    for (let i = 0; i < 7; i += 1) {
      const [real, fake] = await Promise.all([
        start(svc, user.email!, 'sms'),
        start(svc, `nobody.${tag}@example.sn`, 'sms'),
      ]);
      answers.push({
        real: shape(real),
        fake: shape(fake),
        retry: [real.body?.error?.retryAfterSeconds, fake.body?.error?.retryAfterSeconds],
      });
      // Two requests of one account opened at once collide on its one live request: one at a time.
      await svc.app.settle();
    }
    expect(answers.map((a) => a.real.status)).toEqual([202, 202, 202, 202, 202, 202, 429]);
    for (const { real, fake, retry } of answers) {
      // Retry-After counts down from each identifier's first start, a few ms apart.
      expect(Math.abs(Number(retry[0] ?? 0) - Number(retry[1] ?? 0))).toBeLessThanOrEqual(1);
      const strip = (s: ReturnType<typeof shape>) => ({
        ...s,
        body: { ...s.body, error: s.body.error && { ...s.body.error, retryAfterSeconds: 0 } },
      });
      expect(strip(real)).toEqual(strip(fake));
    }
    const viaEmail = smsTo(svc, user.phone_e164!).length;

    const own = await start(svc, user.phone_e164!);
    expect(own.status).toBe(202);
    await svc.app.settle();
    expect(smsTo(svc, user.phone_e164!)).toHaveLength(viaEmail + 1);
    // Six accepted email starts, five codes: the per-account cap (emailSmsPerAccount) holds, silently.
    expect(viaEmail).toBe(5);
  });
});
