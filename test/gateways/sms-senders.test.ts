/**
 * Africa's Talking and Twilio SMS senders. What is real: the `africastalking`
 * and `twilio` packages, doing their own HTTP, auth and form encoding against
 * local servers that speak the providers' documented wire formats
 * (test/support/fake-providers.ts, answers from gateways/<kind>/fixtures).
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AT_LIVE_API_BASE_URL, createAfricasTalkingSmsSender } from '../../gateways/sms/africastalking-sms.js';
import type { OutboundMessage } from '../../gateways/message-sender.js';
import { SendError } from '../../gateways/send-error.js';
import { createTwilioSmsSender } from '../../gateways/sms/twilio-sms.js';
import { startFakeAfricasTalking, startFakeTwilio } from '../support/fake-providers.js';

const AT = { username: 'molam', apiKey: 'atsk_test_0123456789abcdef' };
const TW = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: '0123456789abcdef0123456789abcdef' };
const PHONE = '+221771234567';
const message: OutboundMessage = {
  to: PHONE,
  channel: 'sms',
  body: 'Molam ID: 482913 is your PIN reset code. It expires in 5 min. Never share it.\n\n@molam.id #482913',
};

async function sendError(p: Promise<unknown>): Promise<SendError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SendError);
  const e = err as SendError;
  // Never the code, the body or the full number in what gets logged.
  expect(e.message).not.toContain('482913');
  expect(e.message).not.toContain(PHONE);
  return e;
}

const require = createRequire(import.meta.url);
const atCommon = require('africastalking/lib/common.js') as { SMS_URL: string };

describe("Africa's Talking SMS sender (africastalking package → local AT server)", () => {
  let fake: Awaited<ReturnType<typeof startFakeAfricasTalking>>;
  beforeAll(async () => {
    fake = await startFakeAfricasTalking(AT);
  });
  afterEach(() => fake.respondWith('accept'));
  afterAll(() => fake.close());

  const sender = (extra: { senderId?: string; timeoutMs?: number } = {}) =>
    createAfricasTalkingSmsSender({ ...AT, baseUrl: fake.baseUrl, ...extra });

  it('posts the documented form and returns the messageId AT assigned', async () => {
    const result = await sender({ senderId: 'MOLAM' }).send(message);
    const req = fake.requests.at(-1);
    expect(req?.path).toBe('/version1/messaging');
    expect(req?.headers.apikey).toBe(AT.apiKey);
    expect(req?.form).toMatchObject({ username: 'molam', to: PHONE, message: message.body, from: 'MOLAM' });
    expect(result.provider).toBe('africastalking');
    expect(result.providerMessageId).toMatch(/^ATXid_[0-9a-f]{32}$/);
  });

  it.each([
    [406, 'UserInBlacklist', 'opted_out'],
    [403, 'InvalidPhoneNumber', 'rejected'],
    [405, 'InsufficientBalance', 'config'],
    [402, 'InvalidSenderId', 'config'],
    [401, 'RiskHold', 'rejected'],
    [500, 'InternalServerError', 'transient'],
    [501, 'GatewayError', 'transient'],
  ] as const)('maps recipient statusCode %i (%s) to reason %s', async (statusCode, status, reason) => {
    fake.respondWith({ statusCode, status });
    const err = await sendError(sender().send(message));
    expect(err).toMatchObject({ provider: 'africastalking', reason, providerCode: String(statusCode) });
    expect(err.message).toContain(status);
  });

  it('treats an HTTP 500 as transient and a wrong API key as config', async () => {
    fake.respondWith({ httpStatus: 500 });
    expect((await sendError(sender().send(message))).reason).toBe('transient');
    fake.respondWith('accept');
    const wrongKey = createAfricasTalkingSmsSender({ ...AT, apiKey: 'wrong', baseUrl: fake.baseUrl });
    expect(await sendError(wrongKey.send(message))).toMatchObject({ reason: 'config', providerCode: '401' });
  });

  it('refuses a number the package itself finds invalid, without calling AT', async () => {
    const before = fake.requests.length;
    expect((await sendError(sender().send({ ...message, to: '+2210000' }))).reason).toBe('rejected');
    expect(fake.requests.length).toBe(before);
  });

  it('gives up after its deadline with reason timeout', async () => {
    fake.respondWith('hang');
    const started = Date.now();
    const err = await sendError(sender({ timeoutMs: 300 }).send(message));
    expect(err.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("pins its own URL per send: the package's module-level URL is left as it was", async () => {
    const second = await startFakeAfricasTalking(AT);
    try {
      // A sandbox client flips the package's URLs process-wide (lib/common.js initUrls)…
      createAfricasTalkingSmsSender({ username: 'sandbox', apiKey: 'x' });
      const flipped = atCommon.SMS_URL;
      expect(flipped).toContain('sandbox');
      // …yet two senders with different base URLs, sending at once, each reach their own server.
      const before = fake.requests.length;
      await Promise.all([
        sender().send(message),
        createAfricasTalkingSmsSender({ ...AT, baseUrl: second.baseUrl }).send(message),
      ]);
      expect(second.requests).toHaveLength(1);
      expect(fake.requests.length - before).toBe(1);
      expect(atCommon.SMS_URL).toBe(flipped);
    } finally {
      await second.close();
    }
  });

  it('defaults to the live AT base URL', () => {
    expect(AT_LIVE_API_BASE_URL).toBe('https://api.africastalking.com/version1');
  });
});

describe('Twilio SMS sender (twilio package → local Twilio server)', () => {
  let fake: Awaited<ReturnType<typeof startFakeTwilio>>;
  beforeAll(async () => {
    fake = await startFakeTwilio(TW);
  });
  afterEach(() => fake.respondWith('accept'));
  afterAll(() => fake.close());

  const sender = (extra: { timeoutMs?: number; authToken?: string } = {}) =>
    createTwilioSmsSender({
      ...TW,
      from: '+15005550006',
      baseUrl: fake.baseUrl,
      statusCallbackUrl: 'https://id.molam.example/gateways/twilio/sms/status',
      ...extra,
    });

  it('posts To/From/Body/StatusCallback with basic auth and returns the Message sid', async () => {
    const result = await sender().send(message);
    const req = fake.requests.at(-1);
    expect(req?.path).toBe(`/2010-04-01/Accounts/${TW.accountSid}/Messages.json`);
    expect(req?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${TW.accountSid}:${TW.authToken}`).toString('base64')}`,
    );
    expect(req?.form).toEqual({
      To: PHONE,
      From: '+15005550006',
      Body: message.body,
      StatusCallback: 'https://id.molam.example/gateways/twilio/sms/status',
    });
    expect(result).toEqual({ provider: 'twilio', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
  });

  it('maps error 21610 (recipient replied STOP) to opted_out', async () => {
    fake.respondWith('opted_out');
    expect(await sendError(sender().send(message))).toMatchObject({
      provider: 'twilio',
      reason: 'opted_out',
      providerCode: '21610',
    });
  });

  it('maps a 500 to transient and bad credentials to config', async () => {
    fake.respondWith('server_error');
    expect((await sendError(sender().send(message))).reason).toBe('transient');
    fake.respondWith('accept');
    expect(await sendError(sender({ authToken: 'f'.repeat(32) }).send(message))).toMatchObject({
      reason: 'config',
      providerCode: '20003',
    });
  });

  it('gives up after its deadline with reason timeout', async () => {
    fake.respondWith('hang');
    expect((await sendError(sender({ timeoutMs: 300 }).send(message))).reason).toBe('timeout');
  });
});
