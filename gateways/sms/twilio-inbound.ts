/**
 * Twilio inbound SMS webhook: payload → InboundSms, signature check, TwiML reply.
 *
 * Wire format, confirmed against:
 * - form POST (application/x-www-form-urlencoded) with MessageSid, SmsSid
 *   (deprecated copy), AccountSid, MessagingServiceSid, From, To, Body (≤ 1600
 *   chars), NumMedia, FromCity…ToCountry geo fields; Twilio adds parameters without notice
 *   — https://www.twilio.com/docs/messaging/guides/webhook-request,
 *   https://www.twilio.com/docs/api/twiml/sms/twilio_request (reference/telco-gateways.md §2.1).
 * - MessageSid: the message's 34-character SID, two letters (SM, MM) + 32 hex digits —
 *   https://www.twilio.com/docs/glossary/what-is-a-sid, https://www.twilio.com/docs/api/errors/90011.
 *   Twilio retries a webhook whose connection failed or timed out (retry count `rc`,
 *   default 1 — https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides),
 *   so the same MessageSid can arrive twice: it is the de-duplication key.
 * - X-Twilio-Signature = base64(HMAC-SHA1(authToken, url + each POST param name+value,
 *   names sorted)); checked by the package's validateRequest, which also tries
 *   the URL with and without :443/:80 and compares in constant time —
 *   twilio/twilio-node:src/webhooks/webhooks.ts (§2.2).
 * - Reply: TwiML served as text/xml, `<Response><Message>text</Message></Response>`;
 *   an empty `<Response/>` sends nothing — https://www.twilio.com/docs/messaging/twiml.md (§2.5).
 */
import twilio from 'twilio';
import { z } from 'zod';
import { GatewayError, parseWith, phoneField, textField } from '../gateway-error.js';
import type { InboundSms } from './inbound-sms.js';

export const TWILIO_INBOUND_PROVIDER = 'twilio';
export const TWIML_CONTENT_TYPE = 'text/xml';
/** Twilio's limit for an inbound Body. */
export const TWILIO_BODY_MAX = 1600;

const sidField = textField(64).pipe(z.string().regex(/^[A-Za-z]{2}[0-9a-fA-F]{32}$/));

// Unknown fields are dropped: Twilio adds parameters without notice.
const inboundSchema = z.object({
  MessageSid: sidField.optional(),
  SmsSid: sidField.optional(),
  AccountSid: sidField.optional(),
  From: phoneField,
  To: textField(32).pipe(z.string().min(1)),
  Body: textField(TWILIO_BODY_MAX).optional(),
});

/**
 * Read one inbound-SMS webhook (the decoded form fields). Verify the signature
 * first (`verifyTwilioSignature`); this only checks the shape.
 * @throws GatewayError
 */
export function parseTwilioInbound(params: unknown): InboundSms {
  const p = parseWith(inboundSchema, params, 'Twilio inbound SMS');
  const sid = p.MessageSid ?? p.SmsSid;
  if (!sid)
    throw new GatewayError('invalid_payload', 'Twilio inbound SMS: field "MessageSid" is missing', 'MessageSid');
  const sms: InboundSms = {
    provider: TWILIO_INBOUND_PROVIDER,
    providerMessageId: sid,
    from: p.From,
    to: p.To,
    text: p.Body ?? '',
  };
  if (p.AccountSid) sms.accountSid = p.AccountSid;
  return sms;
}

/**
 * True when `signature` (the X-Twilio-Signature header) signs `url` + `params`
 * with `authToken`. `url` is what Twilio called: PUBLIC_BASE_URL + path (+ query),
 * not what the proxy forwarded. A missing header is simply false.
 */
export function verifyTwilioSignature(input: {
  authToken: string;
  url: string;
  params: Record<string, string | string[]>;
  signature: string | undefined;
}): boolean {
  if (!input.signature || !input.authToken) return false;
  return twilio.validateRequest(input.authToken, input.signature, input.url, input.params);
}

// XML 1.0 forbids C0 controls other than tab/LF/CR, lone surrogates and U+FFFE/U+FFFF.
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** TwiML answering one SMS with `text`, or sending nothing when `text` is null. Serve as text/xml. */
export function renderTwiml(text: string | null): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>';
  return text === null ? `${head}<Response/>` : `${head}<Response><Message>${escapeXml(text)}</Message></Response>`;
}
