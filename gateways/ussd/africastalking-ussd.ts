/**
 * Africa's Talking USSD: the hop callback → DialogEvent, ScreenReply → 'CON …' / 'END …', and the
 * end-of-session notification → UssdSessionEnd (its descriptor is at the end of the file).
 *
 * Wire format, confirmed against:
 * - request: form POST (application/x-www-form-urlencoded) with sessionId,
 *   serviceCode, phoneNumber, networkCode, text — DanNduati/at-ussd:AT-USSD.md,
 *   wondenge/at-notifiers:design/ussd.go, https://helliomessaging.com/docs/request/ussd
 *   (an AT-compatible gateway), https://www.mintlify.com/DaggieBlanqx/Google-Africastalking-AI-Course/api/ussd-endpoints
 * - `text` is "" on the dial, then every input of the session joined with '*'
 *   ("" → "1" → "1*1") — wondenge/at-notifiers:design/ussd.go comment, same mintlify page.
 * - reply: text/plain, HTTP 200, body starting with exactly 'CON ' or 'END ' (trailing
 *   space) — AfricasTalkingLtd/africastalking-node.js:lib/ussd.js (SESSION_CONTINUE,
 *   SESSION_END, CONTENT_TYPE). A 40X or a body without the prefix ends the session.
 *
 * End-of-session notification (a separate callback URL). It is AT's only signal that a session timed out or was
 * abandoned, which is what lets the runtime offer "resume" on the next dial.
 *
 * Fields (form POST): date ("yyyy-MM-dd HH:mm:ss", no zone), sessionId,
 * serviceCode, networkCode, phoneNumber, status (Incomplete | Success | Failed),
 * cost ("KES 0.10"), durationInMillis, hopsCount, input (the full '*' path),
 * lastAppResponse, errorMessage (with Failed).
 * Sources (secondary, AT's own page not retrieved):
 * https://www.mintlify.com/DaggieBlanqx/Google-Africastalking-AI-Course/api/ussd-endpoints
 * (POST /ussd/status), third-party TS typings `UssdCallback` (find_string index id
 * 32564839997, which types hopsCount as a number and durationInMillis as a string),
 * https://pkg.go.dev/github.com/astianmuchui/at-ussd-gofiber (parses the same callback).
 */
import { z } from 'zod';
import type { DialogEvent, PreviousPath, ScreenReply } from '../../machines/dialog-event.js';
import {
  isRecord,
  optionalShortField,
  parseWith,
  phoneField,
  sessionIdField,
  stripControls,
  textField,
} from '../gateway-error.js';
import type { UssdGateway, UssdSessionEnd } from './ussd-gateway.js';

export const AFRICASTALKING_PROVIDER = 'africastalking';
/** Content type of the hop reply, as the official Node SDK sets it. */
export const AFRICASTALKING_USSD_CONTENT_TYPE = 'text/plain';

/** Longest cumulative `text` we accept; a USSD screen input is at most 182 chars, the path grows per hop. */
export const AT_TEXT_MAX = 1000;

// Unknown fields are dropped (z.object strips them): AT has added fields before
// and a new one must not break the dialog.
const hopSchema = z.object({
  sessionId: sessionIdField,
  phoneNumber: phoneField,
  serviceCode: optionalShortField,
  networkCode: optionalShortField,
  text: textField(AT_TEXT_MAX).optional(),
});

/**
 * Turn one AT USSD callback (the decoded form fields) into a DialogEvent.
 * hopId is the raw cumulative text, so a retried hop (same session, same text)
 * carries the same hopId. `newSession` is true when text is "": AT sends no
 * new-session flag, so the runtime should also treat an unknown sessionId as new.
 * @throws GatewayError
 */
export function parseAfricasTalkingUssd(body: unknown, receivedAt: Date = new Date()): DialogEvent {
  const hop = parseWith(hopSchema, body, "Africa's Talking USSD payload");
  const text = hop.text ?? '';
  const event: DialogEvent = {
    provider: AFRICASTALKING_PROVIDER,
    providerSessionId: hop.sessionId,
    phone: hop.phoneNumber,
    newSession: text === '',
    input: text === '' ? null : latestInput(text, null),
    hopId: text,
    receivedAt,
  };
  if (hop.serviceCode !== undefined) event.serviceCode = hop.serviceCode;
  if (hop.networkCode !== undefined) event.networkCode = hop.networkCode;
  return event;
}

/**
 * The latest input inside AT's cumulative `text`.
 *
 * AT joins inputs with '*' and does not escape a '*' the user typed, so
 * "1*12*34" is ambiguous. Knowing the previous hop's path removes the
 * ambiguity: when `text` extends it by '*', the whole remainder is the new
 * answer ('*' included). Only the previous path's length and a check of it are
 * kept (it holds codes and PINs). Without them (or when the path does not
 * extend, e.g. a provider-side reset), fall back to the last '*' segment.
 */
export function latestInput(text: string, previous: PreviousPath | null): string {
  // After the dial (previous path ""), the whole text is the first answer.
  if (previous?.length === 0) return text;
  if (previous && text.charAt(previous.length) === '*' && previous.is(text.slice(0, previous.length))) {
    return text.slice(previous.length + 1);
  }
  const star = text.lastIndexOf('*');
  return star === -1 ? text : text.slice(star + 1);
}

/** 'CON ' keeps the session open, 'END ' closes it; AT requires exactly these prefixes. */
export function renderAfricasTalkingUssd(reply: ScreenReply): string {
  return `${reply.end ? 'END ' : 'CON '}${reply.text}`;
}

// Only identity is required. Everything else is informational and read
// leniently: a malformed count must not lose the end-of-session signal.
// `input` and `lastAppResponse` are deliberately not read: the path holds the
// PIN and OTP the user typed.
const endSchema = z.object({
  sessionId: sessionIdField,
  phoneNumber: phoneField,
});

const ERROR_MESSAGE_MAX = 300;

/**
 * Parse AT's end-of-session notification (decoded form fields).
 * Unknown or missing `status` maps to 'incomplete': the dialog is kept for
 * resume, and nothing is counted as a success or an outage that was not one.
 * @throws GatewayError when sessionId or phoneNumber is missing or malformed.
 */
export function parseAfricasTalkingSessionEnd(body: unknown, receivedAt: Date = new Date()): UssdSessionEnd {
  const ids = parseWith(endSchema, body, "Africa's Talking USSD session-end payload");
  const fields = isRecord(body) ? body : {};
  const end: UssdSessionEnd = {
    provider: AFRICASTALKING_PROVIDER,
    providerSessionId: ids.sessionId,
    phone: ids.phoneNumber,
    status: toStatus(fields.status),
    receivedAt,
  };
  const hops = toCount(fields.hopsCount);
  const durationMs = toCount(fields.durationInMillis);
  const errorMessage = toShortText(fields.errorMessage);
  if (hops !== undefined) end.hops = hops;
  if (durationMs !== undefined) end.durationMs = durationMs;
  if (errorMessage !== undefined) end.errorMessage = errorMessage;
  return end;
}

function toStatus(value: unknown): UssdSessionEnd['status'] {
  const status = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return status === 'success' || status === 'failed' ? status : 'incomplete';
}

/** Form bodies carry numbers as strings ("3"); JSON relays may send numbers. */
function toCount(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,12}$/.test(value.trim())
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function toShortText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Slice by code point so a cut never leaves half a surrogate pair.
  const text = Array.from(stripControls(value).trim()).slice(0, ERROR_MESSAGE_MAX).join('');
  return text === '' ? undefined : text;
}

/** Form POST in, text/plain 'CON …'/'END …' out; hopId is the cumulative path, so the runtime derives the input. */
export const africasTalkingUssd: UssdGateway<undefined> = {
  provider: AFRICASTALKING_PROVIDER,
  name: "Africa's Talking",
  path: '/gateways/africastalking/ussd',
  token: { env: 'AT_WEBHOOK_TOKEN', inProduction: 'required' },
  contentType: AFRICASTALKING_USSD_CONTENT_TYPE,
  parse: (body, receivedAt) => ({ kind: 'hop', event: parseAfricasTalkingUssd(body, receivedAt), echo: undefined }),
  render: renderAfricasTalkingUssd,
  latestInput,
  // An Incomplete session leaves its dialog in place: the next dial offers to continue.
  sessionEnd: { path: '/gateways/africastalking/ussd/events', parse: parseAfricasTalkingSessionEnd },
};
