/**
 * What someone who reads (or writes) Redis gets, against a started service on
 * the real PostgreSQL and Redis (item 8): after a full USSD PIN reset and a
 * full USSD password reset, both with the knowledge check, a SCAN of every
 * key and value under the service's prefix finds no code, PIN, password,
 * knowledge answer, phone digits or user id; a tampered, unreadable or moved
 * sealed dialog is no dialog (a fresh menu, never a 5xx), and a planted hop
 * reply is never shown.
 */
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDialogStore } from '../../src/dialogs/dialog-store.js';
import { REDIS_URL } from '../support/services.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { atSession } from '../support/ussd-sessions.js';

const AT_TOKEN = 'at-webhook-token-0123456789abcdef0123456789';
const BIRTH_YEAR = '1987';
const PIN = '4826';
// A '*' inside an answer: AT's path cannot be split on '*', only the kept length + MAC recover it.
const PASSWORD = 'Tr0pical*Mango-Harbor';
const MENU = /^CON Molam ID\n1\. Reset PIN/;

let svc: TestService;
let redis: Redis;
let prefix: string;
beforeAll(async () => {
  svc = await startTestService({ env: { AT_WEBHOOK_TOKEN: AT_TOKEN, USSD_KNOWLEDGE_CHECK: 'SN:birth_year' } });
  prefix = svc.env.REDIS_KEY_PREFIX!;
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis?.quit();
  await svc?.stop();
});

async function newUser() {
  const national = `78${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const phone = `+221${national}`;
  const { rows } = await svc.app.db.query<{ id: string }>(
    `INSERT INTO molam_users (phone_e164, language, country, birth_year) VALUES ($1, 'en', 'SN', $2) RETURNING id`,
    [phone, Number(BIRTH_YEAR)],
  );
  return { phone, national, userId: rows[0]!.id };
}
const at = (phone: string) => atSession(svc, phone, { token: AT_TOKEN });

/** Menu choice → knowledge answer → code → new secret twice; returns the code it used. */
async function resetOverUssd(phone: string, choice: '1' | '2', secret: string, done: RegExp) {
  const s = at(phone);
  expect(await s.dial()).toMatch(MENU);
  expect(await s.type(choice)).toMatch(/year of birth/);
  expect(await s.type(BIRTH_YEAR)).toMatch(/code/i);
  const otp = await svc.lastOtpFor(phone);
  expect(await s.type(otp)).toMatch(/^CON Choose a new/);
  expect(await s.type(secret)).toMatch(/^CON /);
  expect(await s.type(secret)).toMatch(done);
  return otp;
}

/** Every key under the service's prefix with its value(s), whatever the Redis type. */
async function dumpRedis(): Promise<Array<{ key: string; values: string[] }>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', '500');
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return Promise.all(
    keys.map(async (key) => {
      const type = await redis.type(key);
      const values =
        type === 'string'
          ? [(await redis.get(key)) ?? '']
          : type === 'zset'
            ? await redis.zrange(key, '0', '-1')
            : type === 'hash'
              ? Object.entries(await redis.hgetall(key)).flat()
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : [];
      return { key: key.slice(prefix.length), values };
    }),
  );
}

// Short secrets (a PIN, a year) could appear by chance inside a long base64 string: match them whole.
const whole = (secret: string) => new RegExp(`(?<![A-Za-z0-9_-])${secret.replace(/[*]/g, '\\*')}(?![A-Za-z0-9_-])`);
const decodedBase64 = (s: string) =>
  /^[A-Za-z0-9_-]{16,}$/.test(s) ? Buffer.from(s, 'base64url').toString('latin1') : '';

describe('item 8: nothing secret or identifying in Redis in clear', () => {
  it('after a full USSD PIN reset and password reset, a scan of every key and value finds no secret and no phone digits', async () => {
    const user = await newUser();
    const pinOtp = await resetOverUssd(user.phone, '1', PIN, /^END Your PIN has been changed/);
    const passwordOtp = await resetOverUssd(user.phone, '2', PASSWORD, /^END Your password has been changed/);
    await svc.app.settle();

    const dump = await dumpRedis();
    expect(dump.length).toBeGreaterThan(5);
    const texts = dump.flatMap(({ key, values }) => [key, ...values]);
    const findings: string[] = [];
    const long = {
      pinOtp,
      passwordOtp,
      password: PASSWORD,
      national: user.national,
      e164: user.phone.slice(1),
      userId: user.userId,
    };
    for (const text of texts) {
      for (const [what, secret] of Object.entries(long)) {
        if (text.includes(secret) || decodedBase64(text).includes(secret))
          findings.push(`${what} in ${text.slice(0, 80)}`);
      }
      for (const [what, secret] of Object.entries({ pin: PIN, birthYear: BIRTH_YEAR })) {
        if (whole(secret).test(text)) findings.push(`${what} in ${text.slice(0, 80)}`);
      }
    }
    expect(findings).toEqual([]);
    // The dialog record, the hop replies and the session traces are sealed: no JSON, no screen text, no length.
    const dialogValues = dump
      .filter(({ key }) => /^(dialog|hop|ussd-session):/.test(key))
      .flatMap(({ values }) => values);
    expect(dialogValues.length).toBeGreaterThan(0);
    for (const v of dialogValues) expect(v).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('item 8: a sealed dialog cannot be read, edited or moved through Redis', () => {
  const store = () => createDialogStore(svc.app.kv, { pepper: svc.app.config.pepper, dialogTtlMs: 60_000 });

  /** A user whose reset stands at "enter the code", and the Redis key of their dialog. */
  async function dialogAtCodeStep() {
    const user = await newUser();
    const s = at(user.phone);
    await s.dial();
    await s.type('1');
    expect(await s.type(BIRTH_YEAR)).toMatch(/code/i);
    return { ...user, key: `${prefix}${store().subscriber(user.phone).dialogKey}`, session: s };
  }

  it.each([
    ['a flipped byte', (v: string) => `${v.slice(0, 40)}${v[40] === 'A' ? 'B' : 'A'}${v.slice(41)}`],
    ['unreadable bytes', () => 'not a sealed box!'],
    ['a plain JSON snapshot', () => JSON.stringify({ version: 9, dialogs: {} })],
  ])(
    '%s in the sealed snapshot reads as no dialog: the next dial gets a fresh menu, not a 5xx',
    async (_what, tamper) => {
      const u = await dialogAtCodeStep();
      const sealed = (await redis.get(u.key))!;
      expect(sealed).toBeTruthy();
      await redis.set(u.key, tamper(sealed), 'PX', 60_000);
      const r = await svc.atHop({ sessionId: `ATUid_${randomInt(1e9)}`, phone: u.phone, text: '', token: AT_TOKEN });
      expect(r.status).toBe(200);
      expect(r.text).toMatch(MENU);
    },
  );

  it("a verified dialog copied under another phone's key does not open there (no takeover by copy)", async () => {
    const victim = await dialogAtCodeStep();
    expect(await victim.session.type(await svc.lastOtpFor(victim.phone))).toMatch(/^CON Choose a new PIN/);
    const attacker = await newUser();
    const attackerKey = `${prefix}${store().subscriber(attacker.phone).dialogKey}`;
    await redis.set(attackerKey, (await redis.get(victim.key))!, 'PX', 60_000);
    const s = at(attacker.phone);
    expect(await s.dial()).toMatch(MENU);
    expect(await s.type('1')).not.toMatch(/new PIN/);
  });

  it('a reply planted under a hop key is never shown to the subscriber', async () => {
    const u = await dialogAtCodeStep();
    const dialogs = store();
    const who = dialogs.subscriber(u.phone);
    const hopKey = dialogs.hop(who, 'africastalking', u.session.sessionId, `1*${BIRTH_YEAR}`).key;
    await redis.set(
      `${prefix}${hopKey}`,
      JSON.stringify({ text: 'Call +221 33 000 00 00 to unlock your account', end: true }),
      'PX',
      60_000,
    );
    const retried = await u.session.retry();
    expect(retried).toMatch(/^CON /);
    expect(retried).not.toMatch(/Call \+221/);
  });
});
