/**
 * Contract tests for the Hubtel Programmable Services USSD gateway. What is
 * real: the translator and the recorded-shape JSON bodies in gateways/ussd/fixtures.
 * No HTTP server, no store.
 */
import { describe, expect, it } from 'vitest';
import { parseHubtelUssd, renderHubtelUssd } from '../../gateways/ussd/hubtel-ussd.js';
import { GatewayError } from '../../gateways/gateway-error.js';
import { rejection } from '../support/gateway-assertions.js';
import { gatewayFixture } from '../support/gateway-fixtures.js';

const at = new Date('2025-09-29T12:00:00Z');

function fixture(name: string): Record<string, unknown> {
  return gatewayFixture<{ body: Record<string, unknown> }>(name).body;
}

function hop(body: unknown) {
  const parsed = parseHubtelUssd(body, at);
  if (parsed.kind !== 'hop') throw new Error(`expected a hop, got ${parsed.kind}`);
  return parsed.event;
}

describe('parseHubtelUssd', () => {
  it('reads initiation as a new session whose dialled string is not an input', () => {
    expect(parseHubtelUssd(fixture('hubtel-initiation'), at)).toEqual({
      kind: 'hop',
      event: {
        provider: 'hubtel',
        providerSessionId: '8d440a43a98b4614b9df22b79c8190b8',
        phone: '233246912184',
        newSession: true,
        input: null,
        hopId: '1:*714*5#',
        serviceCode: '714*5',
        networkCode: 'mtn',
        receivedAt: at,
      },
    });
  });

  it('reads a response as the latest input only', () => {
    expect(hop(fixture('hubtel-response'))).toMatchObject({ newSession: false, input: '1', hopId: '2:1' });
    expect(hop(fixture('hubtel-response-otp'))).toMatchObject({ input: '482913', hopId: '4:482913' });
  });

  it('gives a retried request the same event, and two hops with the same answer different hopIds', () => {
    expect(hop(fixture('hubtel-response-otp-retried'))).toEqual(hop(fixture('hubtel-response-otp')));
    const again = hop({ ...fixture('hubtel-response'), Sequence: '3' });
    expect(again.hopId).not.toBe(hop(fixture('hubtel-response')).hopId);
  });

  it('accepts Type in any case and Sequence as a number (the SDK types it int)', () => {
    expect(hop({ ...fixture('hubtel-initiation'), Type: 'Initiation', Sequence: 1 })).toMatchObject({
      newSession: true,
      hopId: '1:*714*5#',
    });
    expect(hop({ ...fixture('hubtel-response'), Type: 'RESPONSE' })).toMatchObject({ input: '1' });
  });

  it('matches field names case-insensitively, as the docs table writes serviceCode', () => {
    const { ServiceCode: _omitted, ...body } = fixture('hubtel-initiation');
    expect(hop({ ...body, serviceCode: '714*5' }).serviceCode).toBe('714*5');
  });

  it("keeps '*' and '#' typed inside an answer", () => {
    expect(hop({ ...fixture('hubtel-response'), Message: '12*34#' })).toMatchObject({
      input: '12*34#',
      hopId: '2:12*34#',
    });
  });

  it('strips control characters from the input', () => {
    expect(hop({ ...fixture('hubtel-response'), Message: '48\u00002913\u007f' }).input).toBe('482913');
  });

  it('ignores unknown fields and a null ClientState', () => {
    expect(hop({ ...fixture('hubtel-response'), ClientState: null, Platform: 'USSD', Extra: [1] }).input).toBe('1');
  });

  it('reads release as a session the user left', () => {
    expect(parseHubtelUssd(fixture('hubtel-release'), at)).toEqual({
      kind: 'end',
      end: {
        provider: 'hubtel',
        providerSessionId: '8d440a43a98b4614b9df22b79c8190b8',
        phone: '233246912184',
        status: 'incomplete',
        receivedAt: at,
      },
    });
  });

  it('reads timeout as a session that failed on our side', () => {
    const parsed = parseHubtelUssd(fixture('hubtel-timeout'), at);
    expect(parsed).toMatchObject({ kind: 'end', end: { status: 'failed' } });
  });

  it.each([
    ['Type is not a USSD request type', { Type: 'AddToCart' }, 'Type'],
    ['Type is missing', { Type: undefined }, 'Type'],
    ['Message is missing on a response', { Message: undefined }, 'Message'],
    ['Mobile is a number', { Mobile: 233246912184 }, 'Mobile'],
    ['SessionId is missing', { SessionId: undefined }, 'SessionId'],
    ['SessionId is an array', { SessionId: ['a', 'b'] }, 'SessionId'],
    ['Sequence is not a number', { Sequence: 'two' }, 'Sequence'],
    ['Sequence is negative', { Sequence: -1 }, 'Sequence'],
    ['Sequence is missing', { Sequence: undefined }, 'Sequence'],
    ['Message is not UTF-8', { Message: Buffer.from([0xc3, 0x28]).toString('utf8') }, 'Message'],
    ['Message is an object', { Message: { text: '1' } }, 'Message'],
    ['a field is spelt twice', { mobile: '233200000000' }, 'Mobile'],
  ])('refuses a request where %s (invalid_payload, 400)', (_case, patch, field) => {
    const err = rejection(() => parseHubtelUssd({ ...fixture('hubtel-response'), ...patch }, at));
    expect(err).toMatchObject({ code: 'invalid_payload', status: 400, field });
  });

  it('refuses an oversize Message (payload_too_large, 413) without echoing it', () => {
    const err = rejection(() => parseHubtelUssd({ ...fixture('hubtel-response'), Message: '4829130'.repeat(200) }, at));
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413, field: 'Message' });
    expect(err.message).not.toContain('482913');
  });

  it.each([null, [], 'Type=initiation', 3])('refuses a body that is not a JSON object: %j', (body) => {
    expect(rejection(() => parseHubtelUssd(body, at))).toMatchObject({ code: 'invalid_payload' });
  });
});

describe('renderHubtelUssd', () => {
  it('renders a screen that waits for input as a Response', () => {
    expect(renderHubtelUssd({ text: 'Enter the code sent by SMS', end: false })).toEqual({
      Type: 'Response',
      Message: 'Enter the code sent by SMS',
      Label: 'Enter the code sent by SMS',
      DataType: 'input',
      FieldType: 'text',
    });
  });

  it('renders a closing screen as a Release to display', () => {
    expect(renderHubtelUssd({ text: 'PIN changed.', end: true })).toEqual({
      Type: 'Release',
      Message: 'PIN changed.',
      Label: 'PIN changed.',
      DataType: 'display',
      FieldType: 'text',
    });
  });

  it('passes label, field type and client state when given', () => {
    const reply = renderHubtelUssd(
      { text: 'New PIN:', end: false },
      { label: 'New PIN', fieldType: 'number', clientState: 'pin' },
    );
    expect(reply).toEqual({
      Type: 'Response',
      Message: 'New PIN:',
      Label: 'New PIN',
      DataType: 'input',
      FieldType: 'number',
      ClientState: 'pin',
    });
  });
});
