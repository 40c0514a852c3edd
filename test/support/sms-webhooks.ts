/**
 * What the SMS providers send to a production SMS service (production-sms.ts),
 * posted the way they post it: Africa's Talking callbacks with their ?token=,
 * Twilio webhooks signed over the public URL; and a dialog brought to the
 * point where the code went out by SMS.
 */
import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { expect } from 'vitest';
import { PUBLIC_BASE_URL, TWILIO_NUMBER, type ProductionSmsService } from './production-sms.js';
import { seedUser } from './users.js';

/**
 * A client for the service `sms()` returns (read at each call, so it can be made before
 * beforeAll starts it), with the AT webhook token and Twilio credentials it was started with.
 */
export function createSmsWebhooks(
  sms: () => ProductionSmsService,
  o: { atToken: string; twilio: { accountSid: string; authToken: string } },
) {
  /** A new account on a fresh Senegalese number; returns the number. */
  const newUser = async (language = 'en') => (await seedUser(sms().svc.app.db, { language })).phone;

  /** Posts a form body, as both providers do. */
  const form = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${sms().svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
    });

  /** Posts as Twilio does: form body signed over the public URL with the auth token (or `token`). */
  const twilioPost = (path: string, params: Record<string, string>, token = o.twilio.authToken) =>
    form(path, params, {
      'X-Twilio-Signature': twilio.getExpectedTwilioSignature(token, `${PUBLIC_BASE_URL}${path}`, params),
    });

  /** An Africa's Talking inbound SMS callback; `id` is AT's message id. */
  const atInbound = (from: string, text: string, id: string = randomUUID()) =>
    form(`/gateways/africastalking/sms/inbound?token=${o.atToken}`, {
      from,
      to: '20880',
      text,
      date: '2026-11-25 10:00:00',
      id,
      linkId: '',
      networkCode: '60801',
    });

  /** A Twilio inbound SMS webhook, signed; checks it is a 200 TwiML answer and resolves to its text. */
  async function twilioInbound(from: string, body: string, sid = `SM${randomUUID().replace(/-/g, '')}`) {
    const res = await twilioPost('/gateways/twilio/sms/inbound', {
      MessageSid: sid,
      AccountSid: o.twilio.accountSid,
      From: from,
      To: TWILIO_NUMBER,
      Body: body,
    });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, expect.stringMatching(/^text\/xml/)]);
    return res.text();
  }

  /** One Africa's Talking USSD hop with the webhook token. */
  const atHop = (sessionId: string, phone: string, text: string) =>
    sms().svc.atHop({ sessionId, phone, text, token: o.atToken });

  /** Every SMS the fake AT was asked to send to `phone`, after deferred sends finished. */
  async function atSmsTo(phone: string) {
    const { svc, at } = sms();
    await svc.app.settle();
    return at.requests.filter((r) => r.form.to === phone).map((r) => r.form.message ?? '');
  }

  /** Dials over AT and asks for a PIN code; reads the code from the SMS the fake AT received last. */
  async function dialToCode(phone: string) {
    const sessionId = randomUUID();
    await atHop(sessionId, phone, '');
    expect((await atHop(sessionId, phone, '1')).text).toMatch(/^CON [^]*code/i);
    const body = (await atSmsTo(phone)).at(-1);
    const code = body?.match(/#(\d{6})/)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    return { sessionId, code: code!, body: body! };
  }

  return { newUser, form, twilioPost, atInbound, twilioInbound, atHop, atSmsTo, dialToCode };
}
