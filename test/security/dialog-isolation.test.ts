/**
 * Attacks on dialog isolation, against a started service on the real
 * PostgreSQL and Redis: a hop through another provider must not continue a
 * subscriber's dialog (item 2), and a forged hop with another subscriber's
 * session id and hop id must not be answered with their stored screen (item 3).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';
import { atSession, hubtelSession } from '../support/ussd-sessions.js';
import { seedUser } from '../support/users.js';

const AT_TOKEN = 'at-webhook-token-0123456789abcdef0123456789';
const HUBTEL_TOKEN = 'hubtel-webhook-token-0123456789abcdef01234';
const RESUME = /You have a reset in progress/;
const MENU = /^Molam ID\n1\. Reset PIN/;

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { AT_WEBHOOK_TOKEN: AT_TOKEN, HUBTEL_WEBHOOK_TOKEN: HUBTEL_TOKEN } });
});
afterAll(async () => {
  await svc?.stop();
});

const newUser = async () => (await seedUser(svc.app.db)).phone;
const at = (phone: string) => atSession(svc, phone, { token: AT_TOKEN });
const hubtel = (phone: string, sessionId?: string) =>
  hubtelSession(svc, phone.slice(1), { token: HUBTEL_TOKEN, sessionId });

const requestsOf = async (phone: string) =>
  (
    await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1 ORDER BY r.created_at`,
      [phone],
    )
  ).rows.map((r) => r.status);

/** The victim asks for a PIN reset on Africa's Talking and types the right code: the next step takes the new PIN. */
async function victimVerifiedOnAt() {
  const phone = await newUser();
  const s = at(phone);
  expect(await s.dial()).toMatch(/^CON Molam ID\n1\. /);
  expect(await s.type('1')).toMatch(/^CON .*code/i);
  expect(await s.type(await svc.lastOtpFor(phone))).toMatch(/^CON Choose a new PIN/);
  return phone;
}

/** The victim's SMS reply carrying the code (Africa's Talking inbound SMS). */
async function replyBySms(phone: string, text: string) {
  const res = await fetch(`${svc.url}/gateways/africastalking/sms/inbound?token=${AT_TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      from: phone,
      to: '20880',
      text,
      date: '2026-11-25 10:00:00',
      id: randomUUID(),
      linkId: '',
      networkCode: '60801',
    }),
  });
  expect(res.status).toBe(200);
}

describe('item 2: a dialog belongs to the provider that opened it', () => {
  it('a dial on Hubtel for a number verified on Africa\'s Talking gets a fresh menu, not "1. Continue"', async () => {
    const phone = await victimVerifiedOnAt();
    const attacker = hubtel(phone);
    const first = await attacker.dial();
    expect(first.status).toBe(200);
    expect(first.Message).not.toMatch(RESUME);
    expect(first.Message).toMatch(MENU);
    // "1" on that fresh menu asks for a NEW code (sent to the victim's phone), never for the new PIN.
    const next = await attacker.type('1');
    expect(next.Message).toMatch(/code/i);
    expect(next.Message).not.toMatch(/new PIN/);
    for (const pin of ['4826', '4826']) expect((await attacker.type(pin)).Message).not.toMatch(/PIN has been changed/);
    expect(await requestsOf(phone)).not.toContain('completed');
  });

  it("a Hubtel hop in the middle of a session (no Initiation) does not reach the victim's new-PIN step either", async () => {
    const phone = await victimVerifiedOnAt();
    const forged = hubtel(phone);
    // No Initiation: the first Response is taken as a new session, the second would be "1. Continue".
    const first = await forged.at(3, '1');
    expect(first.status).toBe(200);
    expect(first.Message).not.toMatch(RESUME);
    expect((await forged.at(4, '1')).Message).not.toMatch(/new PIN/);
    expect(await requestsOf(phone)).not.toContain('completed');
  });

  it("a new Africa's Talking session of the victim still resumes after the Hubtel dial, and sets the PIN", async () => {
    const phone = await victimVerifiedOnAt();
    expect((await hubtel(phone).dial()).Message).toMatch(MENU);
    const again = at(phone);
    expect(await again.dial()).toMatch(RESUME);
    expect(await again.type('1')).toMatch(/^CON Choose a new PIN/);
    await again.type('4826');
    expect(await again.type('4826')).toMatch(/^END Your PIN has been changed/);
    expect(await requestsOf(phone)).toEqual(['completed']);
  });

  it("a code sent back by SMS reaches the Africa's Talking dialog; Hubtel still cannot take the new PIN", async () => {
    const phone = await newUser();
    const s = at(phone);
    await s.dial();
    await s.type('1');
    await replyBySms(phone, await svc.lastOtpFor(phone));
    expect(await requestsOf(phone)).toEqual(['verified']);
    expect((await hubtel(phone).dial()).Message).toMatch(MENU);
    const again = at(phone);
    expect(await again.dial()).toMatch(RESUME);
    expect(await again.type('1')).toMatch(/^CON Choose a new PIN/);
  });
});

describe('item 3: a retried hop is answered only to the subscriber who sent it', () => {
  it("Hubtel: the same SessionId and Sequence from another Mobile does not get the first subscriber's screen", async () => {
    const [victim, other] = [await newUser(), await newUser()];
    const v = hubtel(victim);
    await v.dial();
    const askCode = await v.type('1');
    expect(askCode.Message).toMatch(/code/i);
    // A genuine retry still gets the stored reply.
    expect(await v.at(2, '1')).toEqual(askCode);
    const forged = await hubtel(other, v.sessionId).at(2, '1');
    expect(forged.status).toBe(200);
    expect(forged.Message).not.toBe(askCode.Message);
    expect(forged.Message).toMatch(MENU);
  });

  it("Africa's Talking: the same sessionId and text from another phoneNumber does not get the first subscriber's screen", async () => {
    const [victim, other] = [await newUser(), await newUser()];
    const v = at(victim);
    await v.dial();
    await v.type('1');
    const otp = await svc.lastOtpFor(victim);
    const verified = await v.type(otp);
    expect(verified).toMatch(/^CON Choose a new PIN/);
    expect(await v.retry()).toBe(verified);
    const forged = (await svc.atHop({ sessionId: v.sessionId, phone: other, text: `1*${otp}`, token: AT_TOKEN })).text;
    expect(forged).not.toBe(verified);
    expect(forged).toMatch(/^CON Molam ID\n1\. /);
  });
});
