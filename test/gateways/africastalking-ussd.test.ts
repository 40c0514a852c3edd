/**
 * Contract tests for the Africa's Talking USSD gateway (hop callback and
 * end-of-session notification). What is real: the translators and the
 * recorded-shape payloads in gateways/ussd/fixtures, decoded from their form bodies
 * the way AT's own SDK does (URLSearchParams). No HTTP server, no store.
 */
import { describe, expect, it } from 'vitest';
import {
  latestInput,
  parseAfricasTalkingSessionEnd,
  parseAfricasTalkingUssd,
  renderAfricasTalkingUssd,
} from '../../gateways/ussd/africastalking-ussd.js';
import { GatewayError } from '../../gateways/gateway-error.js';
import { rejection } from '../support/gateway-assertions.js';
import { previousPathOf } from '../support/previous-path.js';
import { gatewayFixture } from '../support/gateway-fixtures.js';

const at = new Date('2025-09-29T12:00:00Z');

function fixture(name: string): Record<string, string> {
  const { body } = gatewayFixture<{ body: string }>(name);
  return Object.fromEntries(new URLSearchParams(body));
}

const valid = () => fixture('at-ussd-otp-entry');

describe('parseAfricasTalkingUssd', () => {
  it('reads the dial as a new session with no input', () => {
    expect(parseAfricasTalkingUssd(fixture('at-ussd-first-hop'), at)).toEqual({
      provider: 'africastalking',
      providerSessionId: 'ATUid_5e1f0c2b9a7d4e38b6c1f2a09d8e7c61',
      phone: '+254711000111',
      newSession: true,
      input: null,
      hopId: '',
      serviceCode: '*384*2468#',
      networkCode: '63902',
      receivedAt: at,
    });
  });

  it('takes only the latest segment of the cumulative text as input', () => {
    const choice = parseAfricasTalkingUssd(fixture('at-ussd-menu-choice'), at);
    expect(choice).toMatchObject({ newSession: false, input: '1', hopId: '1' });
    expect(parseAfricasTalkingUssd(fixture('at-ussd-knowledge-answer'), at)).toMatchObject({
      input: '1990',
      hopId: '1*1990',
    });
    expect(parseAfricasTalkingUssd(fixture('at-ussd-otp-entry'), at)).toMatchObject({
      input: '482913',
      hopId: '1*1990*482913',
    });
  });

  it('gives a retried hop the same event, so the runtime answers it from the stored reply', () => {
    expect(parseAfricasTalkingUssd(fixture('at-ussd-otp-entry-retried'), at)).toEqual(
      parseAfricasTalkingUssd(fixture('at-ussd-otp-entry'), at),
    );
  });

  it('treats a missing text like the empty first hop and ignores unknown fields', () => {
    const { text: _omitted, ...body } = valid();
    const event = parseAfricasTalkingUssd({ ...body, retryCount: '1', newField: 'x' }, at);
    expect(event).toMatchObject({ newSession: true, input: null, hopId: '' });
    expect(event).not.toHaveProperty('retryCount');
  });

  it("keeps '*' and '#' typed inside an answer in the raw hopId", () => {
    const event = parseAfricasTalkingUssd({ ...valid(), text: '1*1990*12#34' }, at);
    expect(event).toMatchObject({ input: '12#34', hopId: '1*1990*12#34' });
  });

  it("reads a '+' that arrived unescaped (decoded as a space) back as '+'", () => {
    const body = Object.fromEntries(new URLSearchParams('sessionId=ATUid_1&phoneNumber=+254711000111&text='));
    expect(parseAfricasTalkingUssd(body, at).phone).toBe('+254711000111');
  });

  it('strips NUL and other control characters instead of passing them on', () => {
    const event = parseAfricasTalkingUssd(
      { ...valid(), text: '1*19\u000090\u001b*4829\u009b13', sessionId: 'ATUid_\u00001' },
      at,
    );
    expect(event).toMatchObject({ input: '482913', hopId: '1*1990*482913', providerSessionId: 'ATUid_1' });
  });

  it('leaves out empty serviceCode and networkCode', () => {
    const event = parseAfricasTalkingUssd({ ...valid(), serviceCode: '', networkCode: '' }, at);
    expect(event).not.toHaveProperty('serviceCode');
    expect(event).not.toHaveProperty('networkCode');
  });

  it.each([
    ['sessionId is missing', { sessionId: undefined }, 'sessionId'],
    ['phoneNumber is missing', { phoneNumber: undefined }, 'phoneNumber'],
    ['sessionId is a number', { sessionId: 42 }, 'sessionId'],
    ['text was repeated (an array)', { text: ['1', '2'] }, 'text'],
    ['phoneNumber is an object', { phoneNumber: { $gt: '' } }, 'phoneNumber'],
    ['phoneNumber is not a number', { phoneNumber: 'robert' }, 'phoneNumber'],
    ['sessionId holds spaces', { sessionId: 'AT Uid 1' }, 'sessionId'],
    ['sessionId is only control characters', { sessionId: '\u0000\u0001' }, 'sessionId'],
    ['text was not UTF-8 (decoder left U+FFFD)', { text: `1*${Buffer.from([0xff, 0xfe]).toString('utf8')}` }, 'text'],
    ['text holds a lone surrogate', { text: '1*\ud800' }, 'text'],
  ])('refuses a payload where %s (invalid_payload, 400)', (_case, patch, field) => {
    const err = rejection(() => parseAfricasTalkingUssd({ ...valid(), ...patch }, at));
    expect(err).toMatchObject({ code: 'invalid_payload', status: 400, field, expose: true });
  });

  it.each([
    ['text', 'x'.repeat(1001)],
    ['sessionId', 'A'.repeat(129)],
    ['phoneNumber', '1'.repeat(33)],
  ])('refuses an oversize %s (payload_too_large, 413)', (field, value) => {
    const err = rejection(() => parseAfricasTalkingUssd({ ...valid(), [field]: value }, at));
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413, field });
  });

  it.each([null, undefined, 'sessionId=1&text=', ['sessionId'], 7])(
    'refuses a body that is not an object of fields: %j',
    (body) => {
      expect(rejection(() => parseAfricasTalkingUssd(body, at))).toMatchObject({
        code: 'invalid_payload',
        field: undefined,
      });
    },
  );

  it('never echoes the payload (it may hold a PIN or OTP) in the error message', () => {
    const err = rejection(() => parseAfricasTalkingUssd({ ...valid(), sessionId: ['482913'] }, at));
    expect(err.message).not.toContain('482913');
    expect(err.message).toBe('Africa\'s Talking USSD payload: field "sessionId" has the wrong type');
  });
});

describe('latestInput', () => {
  it.each([
    ['1', null, '1'],
    ['1*1', null, '1'],
    ['1*1*123456', null, '123456'],
    ['1*12*34', null, '34'],
    ['1*12*34', '1', '12*34'],
    ['12*34', '', '12*34'],
    ['*', '', '*'],
    ['1*1990*', '1*1990', ''],
    ['1*1990*482913', '1*1990', '482913'],
    ['1*1990*482913', '9*9', '482913'],
    ['1*19', '1*1990', '19'],
    // Same length as the previous path, but not that path: the check refuses it.
    ['1*12*34', '1*13', '34'],
    ['', null, ''],
  ])('latestInput(%j, previous path %j) is %j', (text, previous, expected) => {
    expect(latestInput(text, previousPathOf(previous))).toBe(expected);
  });
});

describe('renderAfricasTalkingUssd', () => {
  it("prefixes a screen that waits for input with exactly 'CON '", () => {
    expect(renderAfricasTalkingUssd({ text: 'Enter the code sent by SMS', end: false })).toBe(
      'CON Enter the code sent by SMS',
    );
  });

  it("prefixes a closing screen with exactly 'END ' and keeps line breaks", () => {
    expect(renderAfricasTalkingUssd({ text: 'PIN changed.\nThank you', end: true })).toBe(
      'END PIN changed.\nThank you',
    );
  });
});

describe('parseAfricasTalkingSessionEnd', () => {
  it('reads a successful session with numbers sent as strings', () => {
    expect(parseAfricasTalkingSessionEnd(fixture('at-ussd-end-success'), at)).toEqual({
      provider: 'africastalking',
      providerSessionId: 'ATUid_5e1f0c2b9a7d4e38b6c1f2a09d8e7c61',
      phone: '+254711000111',
      status: 'success',
      hops: 5,
      durationMs: 41230,
      receivedAt: at,
    });
  });

  it('reads an abandoned session as incomplete', () => {
    expect(parseAfricasTalkingSessionEnd(fixture('at-ussd-end-incomplete'), at)).toMatchObject({
      status: 'incomplete',
      hops: 3,
      durationMs: 180000,
    });
  });

  it('reads a failed session with its error message', () => {
    expect(parseAfricasTalkingSessionEnd(fixture('at-ussd-end-failed'), at)).toMatchObject({
      status: 'failed',
      errorMessage: 'Application response timeout',
    });
  });

  it('never carries the input path or the last screen, which hold the PIN and OTP', () => {
    const end = parseAfricasTalkingSessionEnd(fixture('at-ussd-end-success'), at);
    expect(JSON.stringify(end)).not.toMatch(/482913|2580|PIN has been changed/);
  });

  it.each([['Aborted'], [''], [undefined], [['Success']], ['SUCCESS']])(
    'maps status %j to a safe value instead of throwing',
    (status) => {
      const end = parseAfricasTalkingSessionEnd({ ...fixture('at-ussd-end-success'), status }, at);
      expect(end.status).toBe(status === 'SUCCESS' ? 'success' : 'incomplete');
    },
  );

  it('drops counts and messages that are not what they claim to be', () => {
    const end = parseAfricasTalkingSessionEnd(
      { ...fixture('at-ussd-end-failed'), hopsCount: 'many', durationInMillis: '-5', errorMessage: 'x'.repeat(5000) },
      at,
    );
    expect(end).not.toHaveProperty('hops');
    expect(end).not.toHaveProperty('durationMs');
    expect(end.errorMessage).toHaveLength(300);
  });

  it('refuses a notification without a session id', () => {
    const { sessionId: _omitted, ...body } = fixture('at-ussd-end-success');
    expect(rejection(() => parseAfricasTalkingSessionEnd(body, at))).toMatchObject({
      code: 'invalid_payload',
      field: 'sessionId',
    });
  });
});
