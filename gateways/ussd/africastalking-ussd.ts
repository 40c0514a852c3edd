/**
 * Africa's Talking USSD callback → DialogEvent, and ScreenReply → 'CON …' / 'END …'.
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
 */
import { z } from 'zod';
import type { DialogEvent, PreviousPath, ScreenReply } from '../../machines/dialog-event.js';
import { optionalShortField, parseWith, phoneField, sessionIdField, textField } from '../gateway-error.js';

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
