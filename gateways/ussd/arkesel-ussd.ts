/**
 * Arkesel USSD (Ghana): JSON POST in, JSON out.
 * Docs: https://developers.arkesel.com/ (USSD); the field names and types below are as Arkesel
 * integrations send and answer them (sample README, find_string id 1683340223; tests, id 69392276181).
 * - request: sessionID, userID (the account's USSD app id), newSession (true on the dial),
 *   msisdn ("233…", no '+'), userData (the latest input; on the dial the dialled string),
 *   network ("MTN", …).
 * - reply: { sessionID, userID, msisdn, message, continueSession } — false ends the session.
 * No sequence number: see no-sequence-hop-id.ts for how hops are told apart.
 */
import { z } from 'zod';
import type { DialogEvent, ScreenReply } from '../../machines/dialog-event.js';
import { flagField, optionalShortField, parseWith, phoneField, sessionIdField, textField } from '../gateway-error.js';
import { hopIdWithoutSequence } from './no-sequence-hop-id.js';
import type { UssdGateway, UssdParsed } from './ussd-gateway.js';

export const ARKESEL_PROVIDER = 'arkesel';

const requestSchema = z.object({
  sessionID: sessionIdField,
  userID: textField(64),
  newSession: flagField,
  msisdn: phoneField,
  userData: textField(182).nullish(),
  network: optionalShortField,
});

/** What the reply repeats back. */
export interface ArkeselEcho {
  sessionID: string;
  userID: string;
  msisdn: string;
}

export interface ArkeselUssdResponse extends ArkeselEcho {
  message: string;
  continueSession: boolean;
}

/** @throws GatewayError */
export function parseArkeselUssd(body: unknown, receivedAt: Date = new Date()): UssdParsed<ArkeselEcho> {
  const req = parseWith(requestSchema, body, 'Arkesel USSD payload');
  const event: DialogEvent = {
    provider: ARKESEL_PROVIDER,
    providerSessionId: req.sessionID,
    phone: req.msisdn,
    newSession: req.newSession,
    // On the dial userData is the dialled string, not an answer.
    input: req.newSession ? null : (req.userData ?? ''),
    hopId: hopIdWithoutSequence(req.newSession),
    receivedAt,
  };
  if (req.network !== undefined) event.networkCode = req.network;
  return { kind: 'hop', event, echo: { sessionID: req.sessionID, userID: req.userID, msisdn: req.msisdn } };
}

export const renderArkeselUssd = (reply: ScreenReply, echo: ArkeselEcho): ArkeselUssdResponse => ({
  sessionID: echo.sessionID,
  userID: echo.userID,
  msisdn: echo.msisdn,
  message: reply.text,
  continueSession: !reply.end,
});

export const arkeselUssd: UssdGateway<ArkeselEcho> = {
  provider: ARKESEL_PROVIDER,
  name: 'Arkesel',
  path: '/gateways/arkesel/ussd',
  token: { env: 'ARKESEL_WEBHOOK_TOKEN', inProduction: 'optional' },
  contentType: 'application/json',
  parse: parseArkeselUssd,
  render: renderArkeselUssd,
};
