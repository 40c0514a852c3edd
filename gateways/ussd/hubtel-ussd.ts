/**
 * Hubtel Programmable Services (USSD channel) → DialogEvent or UssdSessionEnd,
 * and ScreenReply → Hubtel's JSON response.
 *
 * Wire format, confirmed against:
 * - request fields Type, Message, ServiceCode, Operator, ClientState, Mobile,
 *   SessionId, Sequence (+ Platform): https://developers.hubtel.com/docs/api-reference-prog-services,
 *   sample JSON at https://hubtel.readme.io/reference/sample-general-services-interaction
 *   (`"Sequence":"1"`, `"Type":"initiation"`), model in
 *   hubtel/programmable-services-sdk-dotnet:src/Hubtel.ProgrammableServices.Sdk/Models/ProgrammableServiceRequest.cs
 *   (`int Sequence`). The docs table spells `serviceCode`, the sample `ServiceCode`;
 *   Hubtel's own SDK binds case-insensitively, so we match keys the same way.
 * - Type is compared lower-cased (initiation | response | release | timeout):
 *   .../Models/ProgrammableServiceRequestExtensions.cs (GetActionType). "timeout"
 *   means our reply came too late and any answer to it is ignored
 *   (.../Models/ProgrammableServiceActionType.cs).
 * - Message is only the latest input; on initiation it is the dialled string
 *   ("*714*5#"): docs above, habbes/ussd-menu-builder:lib/ussd-menu.js.
 * - response fields Type ("Response" | "Release"), Message, Label, DataType,
 *   FieldType, ClientState (PascalCase): .../Models/ProgrammableServiceResponse.cs,
 *   ProgrammableServiceDataTypes.cs, ProgrammableServiceFieldTypes.cs.
 */
import { z } from 'zod';
import type { DialogEvent, ScreenReply } from '../../machines/dialog-event.js';
import {
  GatewayError,
  isRecord,
  optionalShortField,
  parseWith,
  phoneField,
  sessionIdField,
  textField,
} from '../gateway-error.js';
import type { UssdGateway, UssdParsed, UssdSessionEnd } from './ussd-gateway.js';

export const HUBTEL_PROVIDER = 'hubtel';
const WHAT = 'Hubtel USSD payload';

const FIELDS = [
  'Type',
  'Message',
  'ServiceCode',
  'Operator',
  'ClientState',
  'Mobile',
  'SessionId',
  'Sequence',
] as const;

const requestSchema = z.object({
  Type: z.string().max(32),
  Message: textField(1000).nullish(),
  ServiceCode: optionalShortField,
  Operator: optionalShortField,
  // We keep dialog state ourselves and ignore ClientState; it is only bounded.
  ClientState: textField(4000).nullish(),
  Mobile: phoneField,
  SessionId: sessionIdField,
  // The SDK types it as int, the sample sends "1": accept both.
  Sequence: z.union([
    z.number().int().min(0).max(999_999),
    z
      .string()
      .regex(/^\d{1,6}$/)
      .transform(Number),
  ]),
});

/**
 * Parse one Hubtel request. Initiation/Response become a hop; Release (the user
 * left) and Timeout (we were too slow) become a session end.
 * hopId is `${Sequence}:${Message}`: a retried request repeats both, while two
 * hops with the same answer differ by Sequence.
 * @throws GatewayError
 */
export function parseHubtelUssd(body: unknown, receivedAt: Date = new Date()): UssdParsed<undefined> {
  const req = parseWith(requestSchema, canonicalKeys(body), WHAT);
  const type = req.Type.trim().toLowerCase();
  if (type === 'release' || type === 'timeout') {
    const end: UssdSessionEnd = {
      provider: HUBTEL_PROVIDER,
      providerSessionId: req.SessionId,
      phone: req.Mobile,
      status: type === 'release' ? 'incomplete' : 'failed',
      receivedAt,
    };
    if (type === 'timeout') end.errorMessage = 'Hubtel timed out waiting for the reply';
    return { kind: 'end', end, echo: undefined };
  }
  if (type !== 'initiation' && type !== 'response') {
    throw new GatewayError('invalid_payload', `${WHAT}: field "Type" is not a supported USSD request type`, 'Type');
  }
  if (type === 'response' && (req.Message === undefined || req.Message === null)) {
    throw new GatewayError('invalid_payload', `${WHAT}: field "Message" is missing`, 'Message');
  }
  const message = req.Message ?? '';
  const event: DialogEvent = {
    provider: HUBTEL_PROVIDER,
    providerSessionId: req.SessionId,
    phone: req.Mobile,
    newSession: type === 'initiation',
    // On initiation Message is the dialled code, not an answer.
    input: type === 'initiation' ? null : message,
    hopId: `${req.Sequence}:${message}`,
    receivedAt,
  };
  if (req.ServiceCode !== undefined) event.serviceCode = req.ServiceCode;
  if (req.Operator !== undefined) event.networkCode = req.Operator;
  return { kind: 'hop', event, echo: undefined };
}

/** Map keys case-insensitively onto Hubtel's names; two spellings of one key are refused. */
function canonicalKeys(body: unknown): unknown {
  if (!isRecord(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const name = FIELDS.find((f) => f.toLowerCase() === key.toLowerCase());
    if (!name) continue;
    if (name in out) throw new GatewayError('invalid_payload', `${WHAT}: field "${name}" appears twice`, name);
    out[name] = value;
  }
  return out;
}

export type HubtelFieldType = 'text' | 'phone' | 'email' | 'number' | 'decimal' | 'textarea';

export interface HubtelReplyExtras {
  /** Title on Hubtel's app/web channels; USSD shows only Message. Defaults to the screen text. */
  label?: string;
  /** Echoed back once in the next request; we do not need it (state lives in our store). */
  clientState?: string;
  fieldType?: HubtelFieldType;
}

export interface HubtelUssdResponse {
  Type: 'Response' | 'Release';
  Message: string;
  Label: string;
  DataType: 'input' | 'display';
  FieldType: HubtelFieldType;
  ClientState?: string;
}

/** Render a screen as Hubtel's JSON reply (send as application/json). */
export function renderHubtelUssd(reply: ScreenReply, extras: HubtelReplyExtras = {}): HubtelUssdResponse {
  const response: HubtelUssdResponse = {
    Type: reply.end ? 'Release' : 'Response',
    Message: reply.text,
    Label: extras.label ?? reply.text,
    // The SDK sends DataType "display" with every Release: nothing to type on a closing screen.
    DataType: reply.end ? 'display' : 'input',
    FieldType: extras.fieldType ?? 'text',
  };
  if (extras.clientState !== undefined) response.ClientState = extras.clientState;
  return response;
}

/** JSON in and out; Message is the latest input and Sequence numbers the hops. */
export const hubtelUssd: UssdGateway<undefined> = {
  provider: HUBTEL_PROVIDER,
  name: 'Hubtel',
  path: '/gateways/hubtel/ussd',
  token: { env: 'HUBTEL_WEBHOOK_TOKEN', inProduction: 'optional' },
  contentType: 'application/json',
  parse: parseHubtelUssd,
  render: (reply) => renderHubtelUssd(reply),
};
