/**
 * Delivery reports from both SMS providers, normalized to one shape the
 * runtime acts on: 'failed' triggers the router's failover, 'delivered' closes
 * the latency measurement, 'pending' is recorded and otherwise ignored.
 *
 * Wire formats, confirmed against:
 * - Africa's Talking: form POST with id, status, phoneNumber, networkCode,
 *   failureReason (only with Rejected/Failed, "not all telcos support this"),
 *   retryCount (premium only); status Sent | Submitted | Buffered (in flight),
 *   Success (on the handset, final), Rejected | Failed (final) —
 *   http://docs.africastalking.com/sms/deliveryreports, wondenge/at-notifiers:design/sms.go
 *   (reference/telco-gateways.md §1.4).
 * - Twilio: form POST to StatusCallback with MessageSid, MessageStatus, ErrorCode
 *   (+ the standard request fields), signed like every Twilio webhook —
 *   https://twilio.com/docs/guides/sms/confirm-delivery/php; MessageStatus values
 *   queued, sending, sent, failed, delivered, undelivered, receiving, received,
 *   accepted, scheduled, read, partially_delivered, canceled — twilio typings (§2.3).
 * Unknown status words (providers add some) read as 'pending', never as failure:
 * a wrong 'failed' would send the code a second time.
 */
import { z } from 'zod';
import { optionalShortField, parseWith, phoneField, sessionIdField, textField } from '../gateway-error.js';

export type DeliveryStatus = 'delivered' | 'failed' | 'pending';

export interface DeliveryReport {
  provider: 'africastalking' | 'twilio';
  /** The id the send returned (AT messageId / Twilio sid): finds the stored message. */
  providerMessageId: string;
  status: DeliveryStatus;
  /** The provider's own status word, as sent. */
  providerStatus: string;
  /** AT failureReason or Twilio ErrorCode, when the provider gives one. */
  failureReason?: string;
  phone?: string;
  networkCode?: string;
}

const statusWord = textField(32).pipe(z.string().regex(/^[A-Za-z_]+$/));

const AT_STATUS: Record<string, DeliveryStatus> = {
  Sent: 'pending',
  Submitted: 'pending',
  Buffered: 'pending',
  Success: 'delivered',
  Rejected: 'failed',
  Failed: 'failed',
};

const atSchema = z.object({
  id: sessionIdField,
  status: statusWord,
  phoneNumber: phoneField.optional(),
  networkCode: optionalShortField,
  failureReason: optionalShortField,
});

/**
 * Read one AT delivery report (decoded form fields).
 * @throws GatewayError
 */
export function parseAfricasTalkingDeliveryReport(body: unknown): DeliveryReport {
  const p = parseWith(atSchema, body, "Africa's Talking delivery report");
  const report: DeliveryReport = {
    provider: 'africastalking',
    providerMessageId: p.id,
    // Own keys only: a status such as 'constructor' must not reach the prototype.
    status: Object.hasOwn(AT_STATUS, p.status) ? AT_STATUS[p.status]! : 'pending',
    providerStatus: p.status,
  };
  if (p.failureReason !== undefined) report.failureReason = p.failureReason;
  if (p.phoneNumber !== undefined) report.phone = p.phoneNumber;
  if (p.networkCode !== undefined) report.networkCode = p.networkCode;
  return report;
}

const TWILIO_STATUS: Record<string, DeliveryStatus> = {
  delivered: 'delivered',
  read: 'delivered',
  failed: 'failed',
  undelivered: 'failed',
  // A canceled (scheduled) message will never arrive.
  canceled: 'failed',
};

const twilioSchema = z.object({
  MessageSid: textField(64).pipe(z.string().regex(/^[A-Za-z]{2}[0-9a-fA-F]{32}$/)),
  MessageStatus: statusWord,
  ErrorCode: textField(16).pipe(z.string().regex(/^\d*$/)).optional(),
  To: phoneField.optional(),
});

/**
 * Read one Twilio status callback (decoded form fields). Verify the signature first.
 * @throws GatewayError
 */
export function parseTwilioStatusCallback(params: unknown): DeliveryReport {
  const p = parseWith(twilioSchema, params, 'Twilio status callback');
  const status = p.MessageStatus.toLowerCase();
  const report: DeliveryReport = {
    provider: 'twilio',
    providerMessageId: p.MessageSid,
    status: Object.hasOwn(TWILIO_STATUS, status) ? TWILIO_STATUS[status]! : 'pending',
    providerStatus: status,
  };
  if (p.ErrorCode) report.failureReason = p.ErrorCode;
  if (p.To !== undefined) report.phone = p.To;
  return report;
}
