/**
 * Nalo Solutions USSD (Ghana): JSON POST in, JSON out.
 * Docs: https://documenter.getpostman.com/view/7705958/UyrEhaLQ ("USSD API DOCUMENTATION":
 * POST, JSON, USERID issued by Nalo); request/response example as restated by
 * SeveighTech/nunyakata (find_string "MSGTYPE": false, "NETWORK": "MTN", "SESSIONID").
 * - request: USERID, MSISDN ("233…"), USERDATA (latest input; on the dial the dialled
 *   string), MSGTYPE (true on the dial, false after), NETWORK, SESSIONID.
 * - reply: { USERID, MSISDN, MSG, MSGTYPE } — MSGTYPE true keeps the session, false ends it.
 * SESSIONID is required: without it every session of a number would look like one.
 * No sequence number: see no-sequence-hop-id.ts for how hops are told apart.
 */
import { z } from 'zod';
import type { DialogEvent, ScreenReply } from '../../machines/dialog-event.js';
import { flagField, optionalShortField, parseWith, phoneField, sessionIdField, textField } from '../gateway-error.js';
import { hopIdWithoutSequence } from './no-sequence-hop-id.js';
import type { UssdGateway, UssdParsed } from './ussd-gateway.js';

export const NALO_PROVIDER = 'nalo';

const requestSchema = z.object({
  USERID: textField(64),
  MSISDN: phoneField,
  USERDATA: textField(182).nullish(),
  MSGTYPE: flagField,
  NETWORK: optionalShortField,
  SESSIONID: sessionIdField,
});

/** What the reply repeats back. */
export interface NaloEcho {
  USERID: string;
  MSISDN: string;
}

export interface NaloUssdResponse extends NaloEcho {
  MSG: string;
  MSGTYPE: boolean;
}

/** @throws GatewayError */
export function parseNaloUssd(body: unknown, receivedAt: Date = new Date()): UssdParsed<NaloEcho> {
  const req = parseWith(requestSchema, body, 'Nalo USSD payload');
  const dial = req.MSGTYPE;
  const event: DialogEvent = {
    provider: NALO_PROVIDER,
    providerSessionId: req.SESSIONID,
    phone: req.MSISDN,
    newSession: dial,
    // On the dial USERDATA is the dialled string, not an answer.
    input: dial ? null : (req.USERDATA ?? ''),
    hopId: hopIdWithoutSequence(dial),
    receivedAt,
  };
  if (req.NETWORK !== undefined) event.networkCode = req.NETWORK;
  return { kind: 'hop', event, echo: { USERID: req.USERID, MSISDN: req.MSISDN } };
}

export const renderNaloUssd = (reply: ScreenReply, echo: NaloEcho): NaloUssdResponse => ({
  USERID: echo.USERID,
  MSISDN: echo.MSISDN,
  MSG: reply.text,
  MSGTYPE: !reply.end,
});

export const naloUssd: UssdGateway<NaloEcho> = {
  provider: NALO_PROVIDER,
  name: 'Nalo',
  path: '/gateways/nalo/ussd',
  token: { env: 'NALO_WEBHOOK_TOKEN', inProduction: 'optional' },
  contentType: 'application/json',
  parse: parseNaloUssd,
  render: renderNaloUssd,
};
