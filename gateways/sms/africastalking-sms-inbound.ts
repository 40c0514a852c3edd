/**
 * Africa's Talking inbound SMS callback → InboundSms.
 *
 * Wire format, confirmed against:
 * - form POST with from, to, text, date, id, linkId — http://docs.africastalking.com/sms/callback
 *   (reference/telco-gateways.md §1.3); the same six fields read from $_POST in
 *   gist ianjuma/129cdf1b109faf4f678cf4de737e0850.
 * - networkCode among the incoming-message fields — wondenge/at-notifiers:design/sms.go.
 * - linkId only matters to reply on premium (on-demand) short codes (docs page above).
 * - `id` is AT's id of the incoming message (the same six $_POST fields in gist
 *   JaniKibichi/3a8f39177d46b705f5336f127d447bd2); a callback that does not get a 200
 *   may be sent again ("Africa's Talking may retry the webhook",
 *   mintlify.com/DaggieBlanqx/Google-Africastalking-AI-Course/concepts/webhooks), so `id`
 *   is the de-duplication key (src/services/inbound-sms-service.ts).
 * AT signs nothing: the route authenticates it (secret path token / source allowlist).
 */
import { z } from 'zod';
import { optionalShortField, parseWith, phoneField, sessionIdField, textField } from '../gateway-error.js';
import type { InboundSms } from './inbound-sms.js';

export const AT_SMS_TEXT_MAX = 1600;

const inboundSchema = z.object({
  from: phoneField,
  to: textField(32).pipe(z.string().min(1)),
  text: textField(AT_SMS_TEXT_MAX).optional(),
  date: optionalShortField,
  id: sessionIdField,
  linkId: sessionIdField.optional().or(z.literal('').transform(() => undefined)),
  networkCode: optionalShortField,
});

/**
 * Read one AT inbound-SMS callback (the decoded form fields).
 * @throws GatewayError
 */
export function parseAfricasTalkingInboundSms(body: unknown): InboundSms {
  const p = parseWith(inboundSchema, body, "Africa's Talking inbound SMS");
  const sms: InboundSms = {
    provider: 'africastalking',
    providerMessageId: p.id,
    from: p.from,
    to: p.to,
    text: p.text ?? '',
  };
  if (p.date !== undefined) sms.date = p.date;
  if (p.linkId !== undefined) sms.linkId = p.linkId;
  if (p.networkCode !== undefined) sms.networkCode = p.networkCode;
  return sms;
}
