/**
 * Item 14: attacks on the inbound SMS webhooks of a production-mode service
 * on the real PostgreSQL and Redis. Replies go out through the real
 * africastalking SDK to a local fake AT (test/support/fake-providers.ts) or
 * as TwiML; Twilio webhooks are signed the way Twilio signs them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductionSmsService, type ProductionSmsService } from '../support/production-sms.js';
import { createSmsWebhooks } from '../support/sms-webhooks.js';
import type { TestService } from '../support/test-service.js';
import { senegaleseNumber } from '../support/users.js';

const TW = { accountSid: `AC${'2'.repeat(32)}`, authToken: 'twilio-auth-token-inbound-sms-test' };
const AT_TOKEN = 'inbound-sms-webhook-token-0123456789abcdef';
let sms: ProductionSmsService;
let tw: ProductionSmsService['tw'];
let svc: TestService;

beforeAll(async () => {
  sms = await startProductionSmsService({ twilio: TW, atWebhookToken: AT_TOKEN, smsRoutes: '*:africastalking,twilio' });
  ({ tw, svc } = sms);
});
afterAll(async () => {
  await sms?.stop();
});

const { newUser, atInbound, twilioInbound, atSmsTo, dialToCode } = createSmsWebhooks(() => sms, {
  atToken: AT_TOKEN,
  twilio: TW,
});

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

const requestOf = async (phone: string) =>
  (
    await svc.app.db.query<{ status: string; attempts: number }>(
      `SELECT r.status, r.attempts FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id
     WHERE u.phone_e164 = $1 ORDER BY r.created_at DESC LIMIT 1`,
      [phone],
    )
  ).rows[0];

/** Outcomes of the sms.not_me audit rows of the account on `phone`. */
const notMeAuditOf = async (phone: string) =>
  (
    await svc.app.db.query<{ outcome: string }>(
      `SELECT a.outcome FROM molam_audit_log a JOIN molam_users u ON u.id = a.user_id
     WHERE a.action = 'sms.not_me' AND u.phone_e164 = $1`,
      [phone],
    )
  ).rows.map((r) => r.outcome);

describe('item 14: inbound SMS are de-duplicated on the provider message id', () => {
  it("10 identical Africa's Talking STOP webhooks cancel once, audit once and send one reply", async () => {
    const phone = await newUser('fr');
    await dialToCode(phone);
    const sent = (await atSmsTo(phone)).length;
    const id = `ATSMSid_${randomUUID().replace(/-/g, '')}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => atInbound(phone, 'STOP', id)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    const replies = (await atSmsTo(phone)).slice(sent);
    expect(replies).toEqual([expect.stringMatching(/demande est annulee/)]);
    expect(await notMeAuditOf(phone)).toEqual(['cancelled']);
    expect((await requestOf(phone))?.status).toBe('cancelled');
  });

  it('10 identical Twilio webhooks with a wrong code spend one try and get one reply', async () => {
    const phone = await newUser('en');
    const { code } = await dialToCode(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => twilioInbound(phone, wrong, sid)));
    expect(answers.filter((a) => a.includes('<Message>'))).toEqual([expect.stringContaining('this code is not valid')]);
    expect(answers.filter((a) => a === EMPTY_TWIML)).toHaveLength(9);
    // Ten copies would have spent the five tries and locked the request.
    expect(await requestOf(phone)).toEqual({ status: 'pending', attempts: 1 });
    expect(await twilioInbound(phone, code)).toMatch(/code confirmed/);
  });
});

describe('item 14: only numbers on file or with a live dialog get a paid reply, a few an hour', () => {
  it('sends nothing to a number with no account and no dialog, on either provider', async () => {
    const stranger = senegaleseNumber();
    for (const text of ['hello', 'STOP', '123456']) {
      expect((await atInbound(stranger, text)).status).toBe(200);
      expect(await twilioInbound(stranger, text)).toBe(EMPTY_TWIML);
    }
    expect(await atSmsTo(stranger)).toEqual([]);
    expect(tw.requests.filter((r) => r.form.To === stranger)).toEqual([]);
  });

  it('stops answering a known number past smsRepliesPerPhone (5 an hour)', async () => {
    const phone = await newUser('en');
    const answers = [];
    for (let i = 0; i < 7; i += 1) answers.push(await twilioInbound(phone, `hello ${i}`));
    expect(answers.map((a) => (a === EMPTY_TWIML ? 'none' : 'reply'))).toEqual([
      'reply',
      'reply',
      'reply',
      'reply',
      'reply',
      'none',
      'none',
    ]);
    for (let i = 0; i < 2; i += 1) await atInbound(phone, `hello again ${i}`);
    expect(await atSmsTo(phone)).toEqual([]);
  });
});

describe('item 14: STOP with nothing live says so', () => {
  it('answers "nothing to cancel" in English and French instead of claiming a cancellation', async () => {
    const en = await newUser('en');
    const reply = await twilioInbound(en, 'NOT ME');
    expect(reply).toMatch(/nothing to cancel/);
    expect(reply).not.toMatch(/was cancelled/);
    const fr = await newUser('fr');
    await atInbound(fr, 'STOP');
    expect(await atSmsTo(fr)).toEqual([expect.stringMatching(/rien a annuler/)]);
    expect([...(await notMeAuditOf(en)), ...(await notMeAuditOf(fr))]).toEqual(['nothing_live', 'nothing_live']);
  });
});
