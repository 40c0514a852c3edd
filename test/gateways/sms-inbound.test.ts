/**
 * Inbound SMS and delivery reports: Twilio and Africa's Talking payloads
 * (recorded-shape fixtures in gateways/sms/fixtures), Twilio signatures computed
 * the way Twilio signs, TwiML, and reply classification. Pure: no HTTP.
 */
import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { parseAfricasTalkingInboundSms } from '../../gateways/sms/africastalking-sms-inbound.js';
import { parseAfricasTalkingDeliveryReport, parseTwilioStatusCallback } from '../../gateways/sms/delivery-reports.js';
import { GatewayError } from '../../gateways/gateway-error.js';
import { classifyReply } from '../../gateways/sms/inbound-sms.js';
import { NOT_ME_WORDS } from '../../src/i18n/languages.js';
import { parseTwilioInbound, renderTwiml, verifyTwilioSignature } from '../../gateways/sms/twilio-inbound.js';
import { rejection } from '../support/gateway-assertions.js';
import { gatewayFixture } from '../support/gateway-fixtures.js';

interface Fixture {
  body: string;
  url?: string;
  authToken?: string;
}
const load = (name: string) => gatewayFixture<Fixture>(name);
const form = (name: string): Record<string, string> => Object.fromEntries(new URLSearchParams(load(name).body));

/** X-Twilio-Signature as documented: base64 HMAC-SHA1 of url + sorted name+value pairs, key = auth token. */
function signLikeTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

describe('Twilio inbound SMS', () => {
  const fixture = load('twilio-sms-inbound');
  const params = form('twilio-sms-inbound');
  const url = fixture.url ?? '';
  const authToken = fixture.authToken ?? '';

  it('reads sender, our number, text and MessageSid, ignoring the other fields', () => {
    expect(parseTwilioInbound(params)).toEqual({
      provider: 'twilio',
      providerMessageId: 'SMa1b2c3d4e5f60718293a4b5c6d7e8f90',
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      from: '+221771234567',
      to: '+15005550006',
      text: '482 913',
    });
  });

  it('refuses a payload without a sender or a message sid', () => {
    const { From: _from, ...noFrom } = params;
    expect(rejection(() => parseTwilioInbound(noFrom))).toMatchObject({
      code: 'invalid_payload',
      field: 'From',
      status: 400,
    });
    const { MessageSid: _m, SmsSid: _s, ...noSid } = params;
    expect(rejection(() => parseTwilioInbound(noSid)).field).toBe('MessageSid');
    expect(rejection(() => parseTwilioInbound({ ...params, Body: 'x'.repeat(1601) })).code).toBe('payload_too_large');
  });

  it('accepts the signature Twilio computes, by the package and by the documented HMAC', () => {
    const signature = signLikeTwilio(authToken, url, params);
    expect(twilio.getExpectedTwilioSignature(authToken, url, params)).toBe(signature);
    expect(verifyTwilioSignature({ authToken, url, params, signature })).toBe(true);
    // Twilio signs inconsistently with an explicit :443; the package accepts both.
    expect(
      verifyTwilioSignature({ authToken, url: url.replace('.example/', '.example:443/'), params, signature }),
    ).toBe(true);
  });

  it('refuses a missing, forged or replayed-elsewhere signature', () => {
    const signature = signLikeTwilio(authToken, url, params);
    expect(verifyTwilioSignature({ authToken, url, params, signature: undefined })).toBe(false);
    expect(verifyTwilioSignature({ authToken: 'f'.repeat(32), url, params, signature })).toBe(false);
    expect(verifyTwilioSignature({ authToken, url, params: { ...params, Body: '000000' }, signature })).toBe(false);
    expect(verifyTwilioSignature({ authToken, url: `${url}?x=1`, params, signature })).toBe(false);
  });
});

describe('renderTwiml', () => {
  it('answers with one Message, XML-escaped, or with an empty Response', () => {
    expect(renderTwiml('Code reçu <ok> & "merci" \'!\'')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Code reçu &lt;ok&gt; &amp; &quot;merci&quot; &apos;!&apos;</Message></Response>',
    );
    expect(renderTwiml(null)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('drops characters XML 1.0 cannot carry instead of failing like the package builder', () => {
    expect(renderTwiml('a\u0001b\u001b]\uD800c')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ab]c</Message></Response>',
    );
  });

  it('parses to the same document the twilio package builds', () => {
    const text = 'Merci. Votre demande est annulée & signalée <3';
    const built = new twilio.twiml.MessagingResponse();
    built.message(text);
    const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'");
    expect(unescape(renderTwiml(text))).toBe(built.toString());
  });
});

describe("Africa's Talking inbound SMS", () => {
  it('reads from, to, text, date, id, linkId and networkCode', () => {
    expect(parseAfricasTalkingInboundSms(form('at-sms-inbound'))).toEqual({
      provider: 'africastalking',
      providerMessageId: 'ATSMSid_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
      from: '+254711000111',
      to: '20880',
      text: 'Non !',
      date: '2025-09-29 12:04:10',
      linkId: 'SampleLinkId123',
      networkCode: '63902',
    });
  });

  it('reads a "+" that arrived as a space, and refuses a missing id', () => {
    const body: Record<string, string> = { ...form('at-sms-inbound'), from: ' 254711000111' };
    expect(parseAfricasTalkingInboundSms(body).from).toBe('+254711000111');
    const { id: _id, ...noId } = body;
    expect(rejection(() => parseAfricasTalkingInboundSms(noId))).toMatchObject({
      field: 'id',
      message: expect.stringContaining('is missing'),
    });
  });
});

describe('delivery reports', () => {
  it.each([
    ['at-sms-delivery-failed', 'failed', 'DeliveryFailure'],
    ['at-sms-delivery-success', 'delivered', undefined],
    ['at-sms-delivery-buffered', 'pending', undefined],
  ])('AT %s → %s', (name, status, failureReason) => {
    const report = parseAfricasTalkingDeliveryReport(form(name));
    expect(report).toMatchObject({
      provider: 'africastalking',
      providerMessageId: 'ATXid_9c2e0d5b1f4a4e7d8b3a6c1e2f0a9b8c',
      status,
      phone: '+221771234567',
      networkCode: '60801',
    });
    expect(report.failureReason).toBe(failureReason);
  });

  it.each([
    ['Sent', 'pending'],
    ['Submitted', 'pending'],
    ['Rejected', 'failed'],
    ['SomethingNew', 'pending'],
  ])('AT status %s → %s', (status, expected) => {
    expect(parseAfricasTalkingDeliveryReport({ ...form('at-sms-delivery-success'), status }).status).toBe(expected);
  });

  it('Twilio undelivered → failed with its ErrorCode; delivered → delivered', () => {
    expect(parseTwilioStatusCallback(form('twilio-sms-status-undelivered'))).toEqual({
      provider: 'twilio',
      providerMessageId: 'SM3f1c8e2a9b7d4c6e5a0b1c2d3e4f5a6b',
      status: 'failed',
      providerStatus: 'undelivered',
      failureReason: '30003',
      phone: '+221771234567',
    });
    expect(parseTwilioStatusCallback(form('twilio-sms-status-delivered'))).toMatchObject({
      status: 'delivered',
      providerStatus: 'delivered',
    });
    expect(parseTwilioStatusCallback(form('twilio-sms-status-delivered'))).not.toHaveProperty('failureReason');
  });

  it.each([
    ['failed', 'failed'],
    ['queued', 'pending'],
    ['sent', 'pending'],
    ['accepted', 'pending'],
  ])('Twilio status %s → %s', (MessageStatus, expected) => {
    expect(parseTwilioStatusCallback({ ...form('twilio-sms-status-delivered'), MessageStatus }).status).toBe(expected);
  });

  it('refuses malformed reports with a GatewayError', () => {
    expect(rejection(() => parseAfricasTalkingDeliveryReport({ status: 'Failed' })).field).toBe('id');
    expect(rejection(() => parseTwilioStatusCallback({ MessageSid: 'nope', MessageStatus: 'failed' })).field).toBe(
      'MessageSid',
    );
    expect(rejection(() => parseTwilioStatusCallback('MessageSid=SM')).code).toBe('invalid_payload');
  });
});

describe('classifyReply', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop! ',
    'NON',
    'non.',
    'Non !',
    'NOT ME',
    'not me',
    'Not-me',
    'NOTME',
    'notme',
    'PAS MOI',
    'pas  moi !',
    'Pas moi.',
    'ARRET',
    'arrêt',
    'ARRÊT',
    '« Arrêt »',
    'SI MIMI',
    'si mimi.',
    'Sio mimi',
    'Hapana!',
  ])('%j → not_me', (text) => {
    expect(classifyReply(text, NOT_ME_WORDS)).toBe('not_me');
  });

  it.each([
    ['482913', '482913'],
    [' 482 913 ', '482913'],
    ['48 29 13', '482913'],
    ['#482913', '482913'],
    ['482913.', '482913'],
    ['４８２９１３', '482913'],
  ])('%j → code %s', (text, code) => {
    expect(classifyReply(text, NOT_ME_WORDS)).toEqual({ code });
  });

  it.each(['', 'OK', '48291', '4829134', '482-913', 'code 482913', 'STOP 482913', 'NON MERCI', 'NOT MEAN', 'oui'])(
    '%j → other',
    (text) => {
      expect(classifyReply(text, NOT_ME_WORDS)).toBe('other');
    },
  );
});
