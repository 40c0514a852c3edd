/**
 * SMS channels in production mode, end to end: the service on the real
 * PostgreSQL and Redis sends through the real africastalking and twilio SDKs
 * to local servers speaking their wire formats (test/support/fake-providers.ts);
 * delivery reports and replies come back through the signed/tokened webhooks.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductionSmsService, TWILIO_NUMBER, type ProductionSmsService } from '../support/production-sms.js';
import { createSmsWebhooks } from '../support/sms-webhooks.js';
import type { TestService } from '../support/test-service.js';

const TW = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'twilio-auth-token-test' };
const AT_TOKEN = 'hook-token-at-least-32-characters';
let sms: ProductionSmsService;
let at: ProductionSmsService['at'];
let tw: ProductionSmsService['tw'];
let svc: TestService;

beforeAll(async () => {
  sms = await startProductionSmsService({
    twilio: TW,
    atWebhookToken: AT_TOKEN,
    smsRoutes: '+221:africastalking,twilio;*:twilio',
  });
  ({ at, tw, svc } = sms);
});
afterAll(async () => {
  await sms?.stop();
});

const { newUser, form, twilioPost, atInbound, twilioInbound, atHop, dialToCode } = createSmsWebhooks(() => sms, {
  atToken: AT_TOKEN,
  twilio: TW,
});

/** Dials and asks for a code; adds the provider message id of the OTP SMS (for delivery reports). */
async function dialAndAskCode(phone: string) {
  const asked = await dialToCode(phone);
  const { rows } = await svc.app.db.query<{ provider_message_id: string }>(
    `SELECT provider_message_id FROM molam_outbound_messages WHERE provider = 'africastalking' AND purpose = 'otp' ORDER BY id DESC LIMIT 1`,
  );
  return { ...asked, messageId: rows[0]!.provider_message_id };
}

describe("SMS through Africa's Talking and Twilio", () => {
  it("sends a USSD reset code through Africa's Talking, and the same code through Twilio after a Failed report", async () => {
    const phone = await newUser();
    const { body, messageId } = await dialAndAskCode(phone);
    expect(body).toMatch(/\n\n@molam\.id #\d{6}$/);
    const report = await form(`/gateways/africastalking/sms/delivery?token=${AT_TOKEN}`, {
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
    await form(`/gateways/africastalking/sms/delivery?token=${AT_TOKEN}`, {
      id: messageId,
      status: 'Failed',
      phoneNumber: phone,
    });
    expect(tw.requests.filter((r) => r.form.To === phone)).toHaveLength(1);
  });

  it('moves the dialog on when the user replies to the SMS with the code: the next dial resumes at the new PIN', async () => {
    const phone = await newUser();
    const { code } = await dialAndAskCode(phone);
    // twilioInbound checks the 200 and the TwiML content type.
    expect(await twilioInbound(phone, ` ${code} `)).toMatch(
      /<Response><Message>Molam ID: code confirmed\. Dial \*384\*1# to choose your new PIN\./,
    );
    const sessionId = randomUUID();
    expect((await atHop(sessionId, phone, '')).text).toMatch(/^CON [^]*1\. Continue/);
    expect((await atHop(sessionId, phone, '1')).text).toMatch(/^CON Choose a new PIN/);
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
    const r = await atInbound(phone, 'Not me');
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
    await form(`/gateways/africastalking/sms/delivery?token=${AT_TOKEN}`, {
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
      await atHop(sessionId, phone, '');
      await atHop(sessionId, phone, '1');
      await svc.app.settle();
      expect(tw.requests.filter((r) => r.form.To === phone).at(-1)!.form.Body).toMatch(/#\d{6}$/);
    } finally {
      at.respondWith('accept');
    }
  });
});
