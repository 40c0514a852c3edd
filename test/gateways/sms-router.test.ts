/**
 * SMS routing and failover. What is real: SMS_ROUTES parsing and the router;
 * for failover, the real africastalking and twilio packages against local
 * provider servers, and a real AT delivery-report payload (gateways/sms/fixtures)
 * driving failover() the way the DLR webhook will.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAfricasTalkingSmsSender } from '../../gateways/sms/africastalking-sms.js';
import { parseAfricasTalkingDeliveryReport } from '../../gateways/sms/delivery-reports.js';
import type { MessageSender, OutboundMessage } from '../../gateways/message-sender.js';
import { SendError } from '../../gateways/send-error.js';
import {
  createChannelRouter,
  createSmsRouter,
  parseSmsRoutes,
  SmsRoutesError,
  type SmsAttemptEvent,
} from '../../gateways/sms/sms-router.js';
import { createTwilioSmsSender } from '../../gateways/sms/twilio-sms.js';
import { startFakeAfricasTalking, startFakeTwilio } from '../support/fake-providers.js';

const stub = (name: string, calls: string[] = []): MessageSender => ({
  name,
  async send(m) {
    calls.push(`${name}:${m.to}`);
    return { provider: name, providerMessageId: `${name}-1` };
  },
});
const stubs = { africastalking: stub('africastalking'), twilio: stub('twilio'), orange: stub('orange') };

describe('SMS_ROUTES', () => {
  it('reads prefixes and provider lists, spaces and a trailing ";" allowed', () => {
    expect(parseSmsRoutes(' +221: africastalking , twilio ; +2217:orange;*:twilio;', Object.keys(stubs))).toEqual([
      { prefix: '+221', providers: ['africastalking', 'twilio'] },
      { prefix: '+2217', providers: ['orange'] },
      { prefix: '*', providers: ['twilio'] },
    ]);
  });

  it.each([
    ['', /is empty/],
    ['+221 africastalking', /entry 1 \("\+221 africastalking"\) must read "<prefix>:<provider>/],
    ['221:twilio', /prefix "221" must be "\*" or "\+"/],
    ['+221:twilio;+221:africastalking', /entry 2 .*prefix "\+221" is routed twice/],
    ['+221:twilio,,africastalking', /empty provider name/],
    ['+221:twilio,twilio', /provider "twilio" is listed twice/],
    ['*:twilio;+254:nexmo', /entry 2 .*unknown provider "nexmo" \(configured: africastalking, twilio, orange\)/],
  ])('refuses %j at creation', (routes, message) => {
    expect(() => createSmsRouter({ routes, senders: stubs })).toThrow(SmsRoutesError);
    expect(() => createSmsRouter({ routes, senders: stubs })).toThrow(message);
  });

  it('picks the longest matching prefix, then "*"', () => {
    const router = createSmsRouter({
      routes: '+221:africastalking,twilio;+2217:orange,twilio;*:twilio',
      senders: stubs,
    });
    expect(router.providersFor('+221771234567')).toEqual(['orange', 'twilio']);
    expect(router.providersFor('+221331234567')).toEqual(['africastalking', 'twilio']);
    expect(router.providersFor('+33612345678')).toEqual(['twilio']);
    expect(router.providersFor('0771234567')).toEqual([]);
  });

  it('refuses a number no route covers, and a message that is not an SMS', async () => {
    const router = createSmsRouter({ routes: '+221:africastalking', senders: stubs });
    await expect(router.send({ to: '+33612345678', channel: 'sms', body: 'x' })).rejects.toMatchObject({
      reason: 'config',
      message: expect.stringContaining('no SMS route'),
    });
    await expect(router.send({ to: 'a@b.c', channel: 'email', body: 'x' })).rejects.toMatchObject({ reason: 'config' });
  });
});

describe('createChannelRouter', () => {
  it('dispatches on message.channel', async () => {
    const calls: string[] = [];
    const channels = createChannelRouter({ sms: stub('sms', calls), email: stub('email', calls) });
    await channels.send({ to: '+221771234567', channel: 'sms', body: 'x' });
    await channels.send({ to: 'a@molam.id', channel: 'email', subject: 's', body: 'x' });
    expect(calls).toEqual(['sms:+221771234567', 'email:a@molam.id']);
  });
});

describe('failover through the real SDKs (AT first, Twilio next)', () => {
  const AT = { username: 'molam', apiKey: 'atsk_test_0123456789abcdef' };
  const TW = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: '0123456789abcdef0123456789abcdef' };
  const otp: OutboundMessage = {
    to: '+221771234567',
    channel: 'sms',
    body: 'Molam ID: 482913 est votre code pour changer de PIN. Valable 5 min. Ne le partagez jamais.\n\n@molam.id #482913',
  };
  let at: Awaited<ReturnType<typeof startFakeAfricasTalking>>;
  let tw: Awaited<ReturnType<typeof startFakeTwilio>>;
  let events: SmsAttemptEvent[];
  let router: ReturnType<typeof createSmsRouter>;

  beforeAll(async () => {
    at = await startFakeAfricasTalking(AT);
    tw = await startFakeTwilio(TW);
  });
  afterEach(() => {
    at.respondWith('accept');
    tw.respondWith('accept');
    at.requests.length = 0;
    tw.requests.length = 0;
  });
  afterAll(async () => {
    await at.close();
    await tw.close();
  });

  function build() {
    events = [];
    router = createSmsRouter({
      routes: '+221:africastalking,twilio;*:twilio',
      senders: {
        africastalking: createAfricasTalkingSmsSender({ ...AT, baseUrl: at.baseUrl, timeoutMs: 300 }),
        twilio: createTwilioSmsSender({ ...TW, from: '+15005550006', baseUrl: tw.baseUrl, timeoutMs: 300 }),
      },
      onAttempt: (e) => events.push(e),
    });
    return router;
  }

  it("sends through Africa's Talking when it accepts, and Twilio never hears of it", async () => {
    const result = await build().send(otp);
    expect(result).toMatchObject({ provider: 'africastalking', providerMessageId: expect.stringMatching(/^ATXid_/) });
    expect(tw.requests).toHaveLength(0);
  });

  it('sends the same body through Twilio when AT refuses the recipient', async () => {
    at.respondWith({ statusCode: 406, status: 'UserInBlacklist' });
    const result = await build().send(otp);
    expect(result).toMatchObject({ provider: 'twilio', providerMessageId: expect.stringMatching(/^SM/) });
    expect(at.requests[0]?.form.message).toBe(otp.body);
    expect(tw.requests.map((r) => r.form.Body)).toEqual([otp.body]);
    expect(events.map((e) => [e.provider, e.ok, e.reason])).toEqual([
      ['africastalking', false, 'opted_out'],
      ['twilio', true, undefined],
    ]);
  });

  it('sends the same body through Twilio when AT does not answer in time', async () => {
    at.respondWith('hang');
    const result = await build().send(otp);
    expect(result.provider).toBe('twilio');
    expect(tw.requests.map((r) => r.form.Body)).toEqual([otp.body]);
    expect(events[0]).toMatchObject({ provider: 'africastalking', ok: false, reason: 'timeout' });
  });

  it('on a Failed delivery report, failover() sends the same body once through the next provider', async () => {
    const first = await build().send(otp);
    const { body } = JSON.parse(
      readFileSync(new URL('../../gateways/sms/fixtures/at-sms-delivery-failed.json', import.meta.url), 'utf8'),
    ) as { body: string };
    const report = parseAfricasTalkingDeliveryReport({
      ...Object.fromEntries(new URLSearchParams(body)),
      id: first.providerMessageId,
    });
    expect(report).toMatchObject({ status: 'failed', providerMessageId: first.providerMessageId });

    const second = await router.failover(otp, report.provider);
    expect(second.provider).toBe('twilio');
    expect(at.requests).toHaveLength(1);
    expect(tw.requests.map((r) => r.form.Body)).toEqual([otp.body]);
  });

  it('throws with every attempt listed when no provider is left', async () => {
    at.respondWith({ statusCode: 500, status: 'InternalServerError' });
    tw.respondWith('opted_out');
    const err = (await build()
      .send(otp)
      .catch((e: unknown) => e)) as SendError;
    expect(err).toBeInstanceOf(SendError);
    expect(err.attempts).toEqual([
      { provider: 'africastalking', reason: 'transient' },
      { provider: 'twilio', reason: 'opted_out' },
    ]);
    expect(err.reason).toBe('opted_out');
    expect(err.message).not.toContain('482913');

    await expect(router.failover(otp, 'twilio')).rejects.toMatchObject({
      reason: 'rejected',
      attempts: [],
      message: expect.stringContaining('no SMS provider left'),
    });
  });
});
