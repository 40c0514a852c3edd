/**
 * SMS channels in production mode, end to end: the service on the real
 * PostgreSQL and Redis sends through the real africastalking and twilio SDKs
 * to local servers speaking their wire formats (test/support/fake-providers.ts);
 * delivery reports and replies come back through the signed/tokened webhooks.
 */
import { randomInt, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import {
  PUBLIC_BASE_URL,
  startProductionSmsService,
  TWILIO_NUMBER,
  type ProductionSmsService,
} from '../support/production-sms.js';
import type { TestService } from '../support/test-service.js';

const TW = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'twilio-auth-token-test' };
let sms: ProductionSmsService;
let at: ProductionSmsService['at'];
let tw: ProductionSmsService['tw'];
let svc: TestService;

beforeAll(async () => {
  sms = await startProductionSmsService({
    twilio: TW,
    atWebhookToken: 'hook-token-at-least-32-characters',
    smsRoutes: '+221:africastalking,twilio;*:twilio',
  });
  ({ at, tw, svc } = sms);
});
afterAll(async () => {
  await sms?.stop();
});

async function newUser(language = 'en') {
  const phone = `+22177${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone, language, country: 'SN' });
  return phone;
}

const form = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });

/** Posts as Twilio does: form body signed over the public URL with the auth token. */
function twilioPost(path: string, params: Record<string, string>, token = TW.authToken) {
  const signature = twilio.getExpectedTwilioSignature(token, `${PUBLIC_BASE_URL}${path}`, params);
  return form(path, params, { 'X-Twilio-Signature': signature });
}

async function dialAndAskCode(phone: string) {
  const sessionId = randomUUID();
  await svc.atHop({ sessionId, phone, text: '', token: 'hook-token-at-least-32-characters' });
  const ask = await svc.atHop({ sessionId, phone, text: '1', token: 'hook-token-at-least-32-characters' });
  expect(ask.text).toMatch(/^CON [^]*code/i);
  await svc.app.settle();
  const sms = [...at.requests].reverse().find((r) => r.form.to === phone);
  const code = sms?.form.message?.match(/#(\d{6})/)?.[1];
  expect(code).toMatch(/^\d{6}$/);
  const { rows } = await svc.app.db.query<{ provider_message_id: string }>(
    `SELECT provider_message_id FROM molam_outbound_messages WHERE provider = 'africastalking' AND purpose = 'otp' ORDER BY id DESC LIMIT 1`,
  );
  return { sessionId, code: code!, body: sms!.form.message!, messageId: rows[0]!.provider_message_id };
}

describe("SMS through Africa's Talking and Twilio", () => {
  it("sends a USSD reset code through Africa's Talking, and the same code through Twilio after a Failed report", async () => {
    const phone = await newUser();
    const { body, messageId } = await dialAndAskCode(phone);
    expect(body).toMatch(/\n\n@molam\.id #\d{6}$/);
    const report = await form('/gateways/africastalking/sms/delivery?token=hook-token-at-least-32-characters', {
      id: messageId,
      status: 'Failed',
      phoneNumber: phone,
      networkCode: '60801',
      failureReason: 'DeliveryFailure',
    });
    expect(report.status).toBe(200);
    await svc.app.settle();
    const viaTwilio = tw.requests.filter((r) => r.form.To === phone);
    expect(viaTwilio.map((r) => r.form.Body)).toEqual([body]);
    // A repeated report does not send it a third time.
    await form('/gateways/africastalking/sms/delivery?token=hook-token-at-least-32-characters', {
      id: messageId,
      status: 'Failed',
      phoneNumber: phone,
    });
    expect(tw.requests.filter((r) => r.form.To === phone)).toHaveLength(1);
  });

  it('moves the dialog on when the user replies to the SMS with the code: the next dial resumes at the new PIN', async () => {
    const phone = await newUser();
    const { code } = await dialAndAskCode(phone);
    const reply = await twilioPost('/gateways/twilio/sms/inbound', {
      MessageSid: `SM${randomUUID().replace(/-/g, '')}`,
      AccountSid: TW.accountSid,
      From: phone,
      To: TWILIO_NUMBER,
      Body: ` ${code} `,
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await reply.text()).toMatch(
      /<Response><Message>Molam ID: code confirmed\. Dial \*384\*1# to choose your new PIN\./,
    );
    const sessionId = randomUUID();
    expect((await svc.atHop({ sessionId, phone, text: '', token: 'hook-token-at-least-32-characters' })).text).toMatch(
      /^CON [^]*1\. Continue/,
    );
    expect((await svc.atHop({ sessionId, phone, text: '1', token: 'hook-token-at-least-32-characters' })).text).toMatch(
      /^CON Choose a new PIN/,
    );
  });

  it('refuses a Twilio webhook with a wrong or missing signature with 403', async () => {
    const params = {
      MessageSid: 'SMx',
      AccountSid: TW.accountSid,
      From: '+221770000001',
      To: TWILIO_NUMBER,
      Body: 'hello',
    };
    expect((await twilioPost('/gateways/twilio/sms/inbound', params, 'not-the-token')).status).toBe(403);
    expect((await form('/gateways/twilio/sms/inbound', params)).status).toBe(403);
    expect(
      (await twilioPost('/gateways/twilio/sms/status', { MessageSid: 'SMx', MessageStatus: 'delivered' }, 'wrong'))
        .status,
    ).toBe(403);
  });

  it('cancels the live reset on NOT ME, audits it and answers politely by SMS', async () => {
    const phone = await newUser('fr');
    await dialAndAskCode(phone);
    const r = await form('/gateways/africastalking/sms/inbound?token=hook-token-at-least-32-characters', {
      from: phone,
      to: '20880',
      text: 'Not me',
      date: '2026-11-25 10:00:00',
      id: randomUUID(),
      linkId: '',
      networkCode: '60801',
    });
    expect(r.status).toBe(200);
    await svc.app.settle();
    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1`,
      [phone],
    );
    expect(rows).toEqual([{ status: 'cancelled' }]);
    expect(at.requests.filter((q) => q.form.to === phone).at(-1)!.form.message).toMatch(/demande est annulee/);
    const audit = await svc.app.db.query(
      `SELECT 1 FROM molam_audit_log WHERE action = 'sms.not_me' AND outcome = 'cancelled'`,
    );
    expect(audit.rows.length).toBeGreaterThan(0);
  });

  it('stores delivered reports with their latency', async () => {
    const phone = await newUser();
    const { messageId } = await dialAndAskCode(phone);
    await form('/gateways/africastalking/sms/delivery?token=hook-token-at-least-32-characters', {
      id: messageId,
      status: 'Success',
      phoneNumber: phone,
    });
    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT status FROM molam_outbound_messages WHERE provider_message_id = $1`,
      [messageId],
    );
    expect(rows).toEqual([{ status: 'delivered' }]);
    const { text } = await svc.get('/metrics');
    expect(text).toMatch(/molam_id_sms_delivery_seconds_count\{provider="africastalking"\} [1-9]/);
    expect(text).toMatch(/molam_id_sms_sent_total\{provider="africastalking",status="sent"\} [1-9]/);
  });

  it("fails over at send time when Africa's Talking errors", async () => {
    const phone = await newUser();
    at.respondWith({ httpStatus: 500 });
    try {
      const sessionId = randomUUID();
      await svc.atHop({ sessionId, phone, text: '', token: 'hook-token-at-least-32-characters' });
      await svc.atHop({ sessionId, phone, text: '1', token: 'hook-token-at-least-32-characters' });
      await svc.app.settle();
      expect(tw.requests.filter((r) => r.form.To === phone).at(-1)!.form.Body).toMatch(/#\d{6}$/);
    } finally {
      at.respondWith('accept');
    }
  });
});
