/**
 * The JSON USSD gateways without a hop sequence (Arkesel, Nalo), one table row
 * each: their descriptors read the documented request examples
 * (gateways/ussd/fixtures) into dialog events, render screens in the
 * documented reply shape, and refuse malformed requests with a 4xx
 * GatewayError. No HTTP server, no store (the e2e test drives them whole).
 */
import { describe, expect, it } from 'vitest';
import { arkeselUssd } from '../../gateways/ussd/arkesel-ussd.js';
import { naloUssd } from '../../gateways/ussd/nalo-ussd.js';
import type { UssdGateway } from '../../gateways/ussd/ussd-gateway.js';
import { gatewayFixture } from '../support/gateway-fixtures.js';
import { rejection } from '../support/gateway-assertions.js';

interface Row {
  gateway: UssdGateway;
  /** Fixtures: the dial, a later answer, our documented reply. */
  dial: string;
  answer: string;
  reply: string;
  /** Request field names. */
  session: string;
  phone: string;
  input: string;
  /** The request flag that marks the dial, and the reply's text and continue fields. */
  dialFlag: string;
  text: string;
  continues: string;
}

const ROWS: Row[] = [
  {
    gateway: arkeselUssd,
    dial: 'arkesel-new-session',
    answer: 'arkesel-response',
    reply: 'arkesel-reply-continue',
    session: 'sessionID',
    phone: 'msisdn',
    input: 'userData',
    dialFlag: 'newSession',
    text: 'message',
    continues: 'continueSession',
  },
  {
    gateway: naloUssd,
    dial: 'nalo-initial',
    answer: 'nalo-response',
    reply: 'nalo-reply-end',
    session: 'SESSIONID',
    phone: 'MSISDN',
    input: 'USERDATA',
    dialFlag: 'MSGTYPE',
    text: 'MSG',
    continues: 'MSGTYPE',
  },
];

const at = new Date('2026-11-29T06:00:00Z');
const body = (name: string) => gatewayFixture<{ body: Record<string, unknown> }>(name).body;

function hop(gateway: UssdGateway, request: unknown) {
  const parsed = gateway.parse(request, at);
  if (parsed.kind !== 'hop') throw new Error(`expected a hop, got ${parsed.kind}`);
  return parsed;
}

describe.each(ROWS)('$gateway.name USSD descriptor', (row) => {
  const { gateway } = row;

  it('reads the dial as a new session whose dialled string is not an input', () => {
    const dial = body(row.dial);
    const { event } = hop(gateway, dial);
    expect(event).toEqual({
      provider: gateway.provider,
      providerSessionId: dial[row.session],
      phone: dial[row.phone],
      newSession: true,
      input: null,
      hopId: '',
      networkCode: 'MTN',
      receivedAt: at,
    });
  });

  it('reads a later request: the latest input as sent', () => {
    const answer = body(row.answer);
    const { event } = hop(gateway, answer);
    expect(event).toMatchObject({ newSession: false, input: answer[row.input] });
    expect(event.providerSessionId).toBe(answer[row.session]);
  });

  it('recognizes a repeated dial, and never takes a later answer for the one before (the PIN is typed twice)', () => {
    expect(hop(gateway, body(row.dial)).event.hopId).toBe(hop(gateway, body(row.dial)).event.hopId);
    const first = hop(gateway, body(row.answer)).event.hopId;
    const again = hop(gateway, body(row.answer)).event.hopId;
    expect(first).not.toBe('');
    expect(again).not.toBe(first);
  });

  it('renders a screen in the documented reply shape, echoing the request ids', () => {
    const documented = body(row.reply);
    const parsed = hop(gateway, body(row.answer));
    const reply = (text: string, end: boolean) => gateway.render({ text, end }, parsed.echo) as Record<string, unknown>;
    const open = reply('Enter the code sent by SMS', false);
    expect(Object.keys(open).sort()).toEqual(Object.keys(documented).sort());
    expect(open).toMatchObject({ [row.text]: 'Enter the code sent by SMS', [row.continues]: true });
    for (const key of Object.keys(documented)) {
      if (key !== row.text && key !== row.continues) expect(open[key]).toBe(body(row.answer)[key]);
    }
    const closing = reply('PIN changed.', true);
    expect(closing).toMatchObject({ [row.text]: 'PIN changed.', [row.continues]: false });
  });

  it('accepts the dial flag as a string ("true"), as relays that stringify fields send it', () => {
    expect(hop(gateway, { ...body(row.dial), [row.dialFlag]: 'true' }).event.newSession).toBe(true);
  });

  it.each([
    ['the session id is missing', (r: Row) => ({ [r.session]: undefined }), 'session'],
    ['the session id has a space', (r: Row) => ({ [r.session]: 'a b' }), 'session'],
    ['the dial flag is not a boolean', (r: Row) => ({ [r.dialFlag]: 'maybe' }), 'dialFlag'],
    ['the number is not digits', (r: Row) => ({ [r.phone]: 'victim' }), 'phone'],
    ['the input is an object', (r: Row) => ({ [r.input]: { text: '1' } }), 'input'],
  ] as const)('refuses a request where %s (invalid_payload, 400)', (_case, patch, field) => {
    const err = rejection(() => gateway.parse({ ...body(row.answer), ...patch(row) }, at));
    expect(err).toMatchObject({ code: 'invalid_payload', status: 400, field: row[field] });
  });

  it('refuses an oversize input (413) without echoing it', () => {
    const err = rejection(() => gateway.parse({ ...body(row.answer), [row.input]: '4829130'.repeat(40) }, at));
    expect(err).toMatchObject({ status: 413, field: row.input });
    expect(err.message).not.toContain('482913');
  });

  it.each([null, [], 'sessionID=1', 3])('refuses a body that is not a JSON object: %j', (request) => {
    expect(rejection(() => gateway.parse(request, at))).toMatchObject({ code: 'invalid_payload', status: 400 });
  });
});
