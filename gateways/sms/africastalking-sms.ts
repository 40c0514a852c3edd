/**
 * Outbound SMS through Africa's Talking, sent by the official `africastalking`
 * package (0.8.x).
 *
 * Wire format (what the package sends and what we read back):
 * - POST {base}/messaging, form fields username, to, message, from (optional),
 *   bulkSMSMode=1; headers apikey and Accept: application/json; success is
 *   HTTP 201 (any other status rejects) — from code,
 *   node_modules/africastalking/lib/sms.js (AfricasTalkingLtd/africastalking-node.js:lib/sms.js).
 * - {base} is https://api.africastalking.com/version1, or the sandbox host for
 *   username 'sandbox' — from code, lib/common.js.
 * - Response JSON SMSMessageData.{Message, Recipients[].{statusCode, number,
 *   status, cost, messageId}} — https://www.mintlify.com/DaggieBlanqx/Google-Africastalking-AI-Course/api/sms-utils
 *   (sample), the glama.ai AT connector page ("statusCode 101 = sent", POST /version1/messaging).
 * - Per-recipient statusCode: 100 Processed, 101 Sent, 102 Queued (accepted);
 *   401 RiskHold, 402 InvalidSenderId, 403 InvalidPhoneNumber, 404 UnsupportedNumberType,
 *   405 InsufficientBalance, 406 UserInBlacklist, 407 CouldNotRoute, 500 InternalServerError,
 *   501 GatewayError, 502 RejectedByGateway — Go AT SDK constants (sms StatusCode,
 *   find_string index id 15164551019) and a Python AT client docstring (index id 70428791460).
 *   AT's own page (developers.africastalking.com/docs/sms/sending) was not retrievable.
 *
 * Module-level URL caveat: the package keeps its URLs as fields of the
 * `lib/common.js` exports, rewritten process-wide by `initUrls()` (a client
 * built with username 'sandbox' flips every client to the sandbox, with no way
 * back), and `sms.js` reads `Common.SMS_URL` at each send. We pin the URL per
 * send instead: set `SMS_URL`, call `sms.send()` (which reads it synchronously,
 * before its first await, to build the axios request), and restore it in the
 * same tick. No other code can run in between, so concurrent senders with
 * different base URLs (or the sandbox flag) never see each other's URL. If a
 * future package version reads the URL after an await, the fake-server tests
 * fail: they would reach the real host.
 */
import { createRequire } from 'node:module';
import type { MessageSender, OutboundMessage, SendResult } from '../message-sender.js';
import {
  DEFAULT_SEND_TIMEOUT_MS,
  SendError,
  isNetworkError,
  isTimeoutError,
  maskRecipient,
  type SendFailureReason,
} from '../send-error.js';
import { withDeadline } from '../deadline.js';

export const AFRICASTALKING_SMS_PROVIDER = 'africastalking';
export const AT_LIVE_API_BASE_URL = 'https://api.africastalking.com/version1';
export const AT_SANDBOX_API_BASE_URL = 'https://api.sandbox.africastalking.com/version1';

export interface AfricasTalkingSmsConfig {
  username: string;
  apiKey: string;
  /** Registered alphanumeric sender id or short code (AT_SENDER_ID); AT's default sender when absent. */
  senderId?: string;
  /** AT_API_BASE_URL: replaces https://api.africastalking.com/version1 (tests, proxies). */
  baseUrl?: string;
  timeoutMs?: number;
}

interface AtRecipient {
  statusCode?: number;
  number?: string;
  status?: string;
  cost?: string;
  messageId?: string;
}
interface AtSendResponse {
  SMSMessageData?: { Message?: string; Recipients?: AtRecipient[] };
}
interface AtSms {
  send(params: { to: string; message: string; from?: string }): Promise<AtSendResponse>;
}
interface AtCommon {
  SMS_URL: string;
}

// CommonJS without types: loaded through require so that `common` is the very
// module instance `lib/sms.js` reads its URL from.
const require = createRequire(import.meta.url);
const AfricasTalking = require('africastalking') as (opts: { username: string; apiKey: string }) => { SMS: AtSms };
const atCommon = require('africastalking/lib/common.js') as AtCommon;

const ACCEPTED = new Set([100, 101, 102]);
const REASON_BY_STATUS: Record<number, SendFailureReason> = {
  401: 'rejected', // RiskHold: AT's fraud hold on this send; another route may take it
  402: 'config', // InvalidSenderId
  403: 'rejected', // InvalidPhoneNumber
  404: 'rejected', // UnsupportedNumberType
  405: 'config', // InsufficientBalance: an operator must top up
  406: 'opted_out', // UserInBlacklist
  407: 'rejected', // CouldNotRoute
  500: 'transient', // InternalServerError
  501: 'transient', // GatewayError
  502: 'rejected', // RejectedByGateway
};
const REASON_BY_NAME: Record<string, SendFailureReason> = {
  InvalidSenderId: 'config',
  InsufficientBalance: 'config',
  UserInBlacklist: 'opted_out',
  InvalidPhoneNumber: 'rejected',
};

/** Africa's Talking SMS sender; `send` resolves with AT's messageId or throws a SendError. */
export function createAfricasTalkingSmsSender(config: AfricasTalkingSmsConfig): MessageSender {
  if (!config.username || !config.apiKey) {
    throw new Error("Africa's Talking SMS: username and apiKey are required");
  }
  const base = (
    config.baseUrl ?? (config.username.toLowerCase() === 'sandbox' ? AT_SANDBOX_API_BASE_URL : AT_LIVE_API_BASE_URL)
  ).replace(/\/+$/, '');
  const smsUrl = `${new URL(base).href.replace(/\/+$/, '')}/messaging`;
  const timeoutMs = config.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const sms = AfricasTalking({ username: config.username, apiKey: config.apiKey }).SMS;

  function sendPinned(params: { to: string; message: string; from?: string }): Promise<AtSendResponse> {
    const previous = atCommon.SMS_URL;
    atCommon.SMS_URL = smsUrl;
    try {
      return sms.send(params);
    } finally {
      atCommon.SMS_URL = previous;
    }
  }

  return {
    name: AFRICASTALKING_SMS_PROVIDER,
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = maskRecipient(message.to);
      const params = { to: message.to, message: message.body, ...(config.senderId ? { from: config.senderId } : {}) };
      let response: AtSendResponse;
      try {
        response = await withDeadline(timeoutMs, () => sendPinned(params));
      } catch (err) {
        // The package rejects with the response body when the status is not 201.
        if (looksLikeSendResponse(err)) response = err;
        else throw fromTransportError(err, to, timeoutMs);
      }
      return fromRecipients(response, to);
    },
  };
}

function looksLikeSendResponse(v: unknown): v is AtSendResponse {
  return typeof v === 'object' && v !== null && 'SMSMessageData' in v;
}

function fromRecipients(response: AtSendResponse, to: string): SendResult {
  const data = response.SMSMessageData;
  const recipient = data?.Recipients?.[0];
  if (
    recipient &&
    typeof recipient.statusCode === 'number' &&
    ACCEPTED.has(recipient.statusCode) &&
    recipient.messageId
  ) {
    return { provider: AFRICASTALKING_SMS_PROVIDER, providerMessageId: recipient.messageId };
  }
  if (recipient && typeof recipient.statusCode === 'number') {
    const code = recipient.statusCode;
    const reason = REASON_BY_STATUS[code] ?? (code >= 500 ? 'transient' : 'rejected');
    const status = safeToken(recipient.status);
    return fail(reason, `Africa's Talking refused the SMS to ${to}: ${status} (${code})`, code);
  }
  // No recipient: AT names the problem in SMSMessageData.Message (e.g. "InvalidSenderId").
  const summary = safeToken(data?.Message);
  return fail(
    REASON_BY_NAME[summary] ?? 'rejected',
    `Africa's Talking accepted no recipient for ${to}: ${summary}`,
    summary,
  );
}

function fail(reason: SendFailureReason, message: string, providerCode?: string | number): never {
  throw new SendError({ provider: AFRICASTALKING_SMS_PROVIDER, reason, message, providerCode });
}

function fromTransportError(err: unknown, to: string, timeoutMs: number): SendError {
  const provider = AFRICASTALKING_SMS_PROVIDER;
  if (isTimeoutError(err)) {
    return new SendError({
      provider,
      reason: 'timeout',
      message: `Africa's Talking did not answer within ${timeoutMs} ms (SMS to ${to})`,
    });
  }
  const status = (err as { response?: { status?: unknown } } | null)?.response?.status;
  if (typeof status === 'number') {
    const reason: SendFailureReason =
      status === 401 || status === 403 ? 'config' : status >= 500 || status === 429 ? 'transient' : 'rejected';
    return new SendError({
      provider,
      reason,
      message: `Africa's Talking answered HTTP ${status} (SMS to ${to})`,
      providerCode: status,
    });
  }
  if (isNetworkError(err)) {
    return new SendError({ provider, reason: 'transient', message: `Africa's Talking unreachable (SMS to ${to})` });
  }
  // The package validates `to` with google-libphonenumber before sending (lib/sms.js).
  if (err instanceof Error && /valid phone number/.test(err.message)) {
    return new SendError({ provider, reason: 'rejected', message: `Africa's Talking SDK refused the number ${to}` });
  }
  return new SendError({ provider, reason: 'transient', message: `Africa's Talking send failed (SMS to ${to})` });
}

/** Provider strings end up in logs: keep only a short token. */
function safeToken(v: unknown): string {
  return typeof v === 'string' ? v.replace(/[^\w .:-]/g, '').slice(0, 64) || 'unknown' : 'unknown';
}
