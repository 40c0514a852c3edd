/**
 * Swahili end to end, the way Africa's Talking drives a session (form POST,
 * cumulative `text`, CON/END replies), against a started service on the real
 * PostgreSQL and Redis: Kenyan and Tanzanian callers with no language on file
 * get the Swahili menu, sw can be chosen on the language screen, and a Swahili
 * PIN reset runs through with its SMS in Swahili. SMS are read from the dev outbox.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { atSession } from '../support/ussd-sessions.js';

const TOKEN = 'at-hook-secret';
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { AT_WEBHOOK_TOKEN: TOKEN, USSD_SERVICE_CODE: '*483*7#' } });
});
afterAll(async () => {
  await svc?.stop();
});

// Valid mobile ranges: Safaricom 71x (KE), Vodacom 75x (TZ), Ethio telecom 91x (ET).
const digits = (n: number) => String(randomInt(0, 10 ** n)).padStart(n, '0');
const kenyanNumber = () => `+25471${digits(7)}`;
const tanzanianNumber = () => `+25575${digits(7)}`;
const ethiopianNumber = () => `+25191${digits(7)}`;

const seed = (phone: string, language: string, country: string) =>
  createUserQueries(svc.app.db).upsertUser({ phone, language, country });

const session = (phone: string) => atSession(svc, phone, { token: TOKEN });

const lastSmsTo = async (phone: string) => {
  await svc.app.settle();
  return svc.app
    .outbox!.list()
    .filter((m) => m.to === phone)
    .at(-1)?.body;
};

describe('Swahili by USSD', () => {
  it.each([
    ['Kenyan', kenyanNumber],
    ['Tanzanian', tanzanianNumber],
  ])('shows a %s number with no account the Swahili menu', async (_, number) => {
    const s = session(number());
    expect(await s.dial()).toBe('CON Molam ID\n1. Badilisha PIN\n2. Badilisha neno la siri');
    expect(await s.type('1')).toMatch(/^END Hakuna akaunti ya Molam ID yenye nambari hii\./);
  });

  it('gives a Kenyan account whose language we do not have the Swahili menu and a Swahili OTP SMS', async () => {
    const phone = kenyanNumber();
    await seed(phone, 'ki', 'KE');
    const s = session(phone);
    expect(await s.dial()).toMatch(/^CON Molam ID\n1\. Badilisha PIN/);
    expect(await s.type('1')).toMatch(/^CON Weka msimbo wa tarakimu 6 uliotumiwa kwa SMS\n1\. Tuma msimbo mpya/);
    expect(await lastSmsTo(phone)).toMatch(/^Molam ID: \d{6} ni msimbo wako wa kubadilisha PIN\. Unaisha baada ya/);
  });

  it('lists Kiswahili third on the language screen and switches the dialog and its SMS to it', async () => {
    const phone = ethiopianNumber();
    await seed(phone, 'am', 'ET');
    const s = session(phone);
    expect(await s.dial()).toBe('CON Molam ID\n1. Francais\n2. English\n3. Kiswahili');
    expect(await s.type('3')).toBe('CON Molam ID\n1. Badilisha PIN\n2. Badilisha neno la siri');
    expect(await s.type('2')).toMatch(/^CON Weka msimbo/);
    expect(await lastSmsTo(phone)).toMatch(/ni msimbo wa kubadilisha neno la siri\./);
  });

  it('resets a PIN end to end in Swahili: menu, code by SMS, new PIN twice, confirmation SMS', async () => {
    const phone = tanzanianNumber();
    await seed(phone, 'sw', 'TZ');
    const s = session(phone);
    expect(await s.dial()).toMatch(/^CON Molam ID\n1\. Badilisha PIN/);
    expect(await s.type('1')).toMatch(/^CON Weka msimbo/);
    const wrong = await s.type('000000');
    expect(wrong).toMatch(/^CON Msimbo si sahihi, majaribio \d yamebaki\.\nWeka msimbo/);
    expect(await s.type(await svc.lastOtpFor(phone))).toMatch(/^CON Chagua PIN mpya: tarakimu 4 hadi 6/);
    expect(await s.type('4826')).toMatch(/^CON Weka PIN mpya tena/);
    expect(await s.type('4826')).toBe(
      'END PIN yako imebadilishwa. Utapokea SMS ya uthibitisho. Asante kwa kutumia Molam ID.',
    );
    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id
       WHERE u.phone_e164 = $1`,
      [phone],
    );
    expect(rows).toEqual([{ status: 'completed' }]);
    expect(await lastSmsTo(phone)).toBe(
      'Molam ID: PIN yako imebadilishwa. Si wewe? Jibu SI MIMI au piga simu huduma kwa wateja sasa.',
    );
  });

  it('answers a code sent back by SMS in Swahili, naming the USSD code to dial', async () => {
    const phone = kenyanNumber();
    await seed(phone, 'sw', 'KE');
    const s = session(phone);
    await s.dial();
    await s.type('1');
    const code = await svc.lastOtpFor(phone);
    const r = await fetch(`${svc.url}/gateways/africastalking/sms/inbound?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        from: phone,
        to: '20880',
        text: code,
        date: '2026-11-29 06:00:00',
        id: randomUUID(),
        linkId: '',
        networkCode: '63902',
      }),
    });
    expect(r.status).toBe(200);
    expect(await lastSmsTo(phone)).toBe('Molam ID: msimbo umethibitishwa. Piga *483*7# uchague PIN mpya.');
  });
});
