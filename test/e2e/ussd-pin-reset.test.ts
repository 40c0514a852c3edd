/**
 * A full USSD PIN reset through every USSD gateway, each as its provider
 * drives it (AT form + cumulative text, Hubtel JSON + Sequence, Arkesel and
 * Nalo JSON without a sequence), against one started service on the real
 * PostgreSQL and Redis: dial → menu → 1 (reset PIN) → the code from the dev
 * outbox → new PIN twice → END; then the request is completed and the stored
 * hash verifies the new PIN. Ghanaian numbers (+233), as the Ghana aggregators serve.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { createSecretHasher } from '../../src/security/secret-hasher.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { arkeselSession, atSession, hubtelSession, naloSession } from '../support/ussd-sessions.js';

/** One screen as the handset shows it, whatever the provider's wire format. */
interface Screen {
  status: number;
  text: string;
  end: boolean;
}

interface Handset {
  dial(): Promise<Screen>;
  type(input: string): Promise<Screen>;
}

/** Every gateway's token, set: the drivers send them, as the providers would. */
const TOKENS = {
  AT_WEBHOOK_TOKEN: 'a'.repeat(40),
  HUBTEL_WEBHOOK_TOKEN: 'h'.repeat(40),
  ARKESEL_WEBHOOK_TOKEN: 'k'.repeat(40),
  NALO_WEBHOOK_TOKEN: 'n'.repeat(40),
};

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: TOKENS });
});
afterAll(async () => {
  await svc?.stop();
});

/** A provider's session driver, read as screens. */
function handset<R>(s: { dial(): Promise<R>; type(input: string): Promise<R> }, screen: (reply: R) => Screen): Handset {
  return { dial: async () => screen(await s.dial()), type: async (input) => screen(await s.type(input)) };
}

// Numbers as each provider writes them: AT "+233…", the Ghana aggregators "233…".
const HANDSETS: Array<[provider: string, open: (e164: string) => Handset]> = [
  [
    "Africa's Talking",
    (e164) =>
      handset(atSession(svc, e164, { token: TOKENS.AT_WEBHOOK_TOKEN }), (text) => ({
        status: 200,
        text: text.slice(4),
        end: text.startsWith('END '),
      })),
  ],
  [
    'Hubtel',
    (e164) =>
      handset(hubtelSession(svc, e164.slice(1), { token: TOKENS.HUBTEL_WEBHOOK_TOKEN }), (r) => ({
        status: r.status,
        text: r.Message,
        end: r.Type === 'Release',
      })),
  ],
  [
    'Arkesel',
    (e164) =>
      handset(arkeselSession(svc, e164.slice(1), { token: TOKENS.ARKESEL_WEBHOOK_TOKEN }), (r) => ({
        status: r.status,
        text: r.message ?? '',
        end: !r.continueSession,
      })),
  ],
  [
    'Nalo',
    (e164) =>
      handset(naloSession(svc, e164.slice(1), { token: TOKENS.NALO_WEBHOOK_TOKEN }), (r) => ({
        status: r.status,
        text: r.MSG,
        end: !r.MSGTYPE,
      })),
  ],
];

async function ghanaianUser() {
  const phone = `+23324${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const user = await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'GH' });
  return { id: user.id, phone };
}

async function requestsOf(phone: string) {
  const { rows } = await svc.app.db.query<{ status: string }>(
    'SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1',
    [phone],
  );
  return rows;
}

describe.each(HANDSETS)('USSD PIN reset through %s', (_provider, open) => {
  it('dial, menu, code from SMS, new PIN twice, done: request completed, new PIN verifies', async () => {
    const user = await ghanaianUser();
    const handset = open(user.phone);

    const menu = await handset.dial();
    expect(menu).toMatchObject({ status: 200, end: false });
    expect(menu.text).toMatch(/^Molam ID\n1\. Reset PIN/);
    const askCode = await handset.type('1');
    expect([askCode.end, askCode.text]).toEqual([false, expect.stringMatching(/code/i)]);
    const otp = await svc.lastOtpFor(user.phone);
    const askPin = await handset.type(otp);
    expect([askPin.end, askPin.text]).toEqual([false, expect.stringMatching(/PIN/)]);
    const newPin = '4826';
    expect((await handset.type(newPin)).end).toBe(false);
    // The same answer again (the confirmation) must not be taken for a retry of the one before.
    const done = await handset.type(newPin);
    expect([done.status, done.end, done.text]).toEqual([200, true, expect.stringMatching(/PIN/)]);

    expect(await requestsOf(user.phone)).toEqual([{ status: 'completed' }]);
    const { rows } = await svc.app.db.query<{ pin_hash: string }>('SELECT pin_hash FROM molam_users WHERE id = $1', [
      user.id,
    ]);
    const hasher = createSecretHasher({ pepper: loadConfig(svc.env).pepper, cost: 10 });
    expect(await hasher.verify(newPin, rows[0]!.pin_hash)).toBe(true);
  });

  it('answers a repeated dial with the same menu and opens nothing twice', async () => {
    const user = await ghanaianUser();
    const handset = open(user.phone);
    const first = await handset.dial();
    expect(await handset.dial()).toEqual(first);
    await handset.type('1');
    expect(await requestsOf(user.phone)).toHaveLength(1);
  });
});
