/**
 * Outbound SMS through Twilio, sent by the official `twilio` package (6.x).
 *
 * Wire format (what the package sends and what we read back):
 * - POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json,
 *   HTTP basic auth (AccountSid:AuthToken), form fields To, From, Body,
 *   StatusCallback — twilio/twilio-go rest/api/v2010/docs/AccountsMessagesApi.md
 *   (CreateMessage), https://riptutorial.com/twilio/example/14839 (curl example).
 * - 201 with the Message resource as JSON: sid, status ("queued"/"accepted"),
 *   error_code (null) — same riptutorial example response.
 * - Errors: JSON {code, message, more_info, status}, e.g. 400 code 21211
 *   (https://www.twilio.com/docs/api/errors/400.md, gist Tuan-T-Nguyen/b50a8350…);
 *   the package throws RestException {status, code} (from code, lib/base/RestException.js).
 * - 21610 "Attempt to send to unsubscribed recipient": the number replied STOP and
 *   gets nothing from this sender until START — https://www.twilio.com/docs/api/errors/21610.
 *
 * Base URL: region/edge only rename the twilio.com host (BaseTwilio.getHostname),
 * so they cannot reach a local server. The package's public `httpClient` option
 * takes a RequestClient; ours is the package's own RequestClient with one change:
 * it rewrites https://api[.edge.region].twilio.com to TWILIO_API_BASE_URL before
 * sending. Auth, form encoding and error parsing stay the package's.
 */
import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient.js';
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

export const TWILIO_SMS_PROVIDER = 'twilio';
/** Twilio error: the recipient opted out (replied STOP). */
export const TWILIO_OPTED_OUT = 21610;

export interface TwilioSmsConfig {
  accountSid: string;
  authToken: string;
  /** TWILIO_PHONE: the sending number (E.164) or a Messaging Service's sender. */
  from: string;
  /** TWILIO_API_BASE_URL: replaces https://api.twilio.com (tests, proxies). */
  baseUrl?: string;
  /** Where Twilio POSTs status callbacks (PUBLIC_BASE_URL + /gateways/twilio/sms/status). */
  statusCallbackUrl?: string;
  timeoutMs?: number;
}

const TWILIO_API_HOST = /^api(\.[a-z0-9-]+)*\.twilio\.com$/;

/** The package's RequestClient, sending api.twilio.com requests to another base URL. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: URL,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    if (uri.protocol === 'https:' && TWILIO_API_HOST.test(uri.hostname)) {
      const prefix = this.base.pathname.replace(/\/+$/, '');
      opts = { ...opts, uri: `${this.base.origin}${prefix}${uri.pathname}${uri.search}` };
    }
    return super.request<TData>(opts);
  }
}

/** Twilio SMS sender; `send` resolves with the Message sid or throws a SendError. */
export function createTwilioSmsSender(config: TwilioSmsConfig): MessageSender {
  if (!config.accountSid || !config.authToken || !config.from) {
    throw new Error('Twilio SMS: accountSid, authToken and from are required');
  }
  const timeoutMs = config.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  // autoRetry stays off: a retry is the router's decision (next provider), not the SDK's.
  const httpOpts = { timeout: timeoutMs, autoRetry: false };
  const httpClient = config.baseUrl
    ? new RebasedRequestClient(new URL(config.baseUrl), httpOpts)
    : new twilio.RequestClient(httpOpts);
  const client = twilio(config.accountSid, config.authToken, { httpClient });

  return {
    name: TWILIO_SMS_PROVIDER,
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = maskRecipient(message.to);
      let created: { sid: string; status?: string; errorCode?: number | null };
      try {
        created = await withDeadline(timeoutMs, () =>
          client.messages.create({
            to: message.to,
            from: config.from,
            body: message.body,
            ...(config.statusCallbackUrl ? { statusCallback: config.statusCallbackUrl } : {}),
          }),
        );
      } catch (err) {
        throw fromError(err, to, timeoutMs);
      }
      // A create that Twilio already marks failed carries its error code.
      if (created.errorCode || created.status === 'failed' || created.status === 'undelivered') {
        const code = created.errorCode ?? undefined;
        throw new SendError({
          provider: TWILIO_SMS_PROVIDER,
          reason: reasonFor(undefined, code),
          message: `Twilio failed the SMS to ${to} (error ${code ?? 'none'})`,
          providerCode: code,
        });
      }
      return { provider: TWILIO_SMS_PROVIDER, providerMessageId: created.sid };
    },
  };
}

function reasonFor(status: number | undefined, code: number | undefined): SendFailureReason {
  if (code === TWILIO_OPTED_OUT) return 'opted_out';
  if (status === 401 || status === 403) return 'config';
  if (status === 429 || (status !== undefined && status >= 500)) return 'transient';
  return 'rejected';
}

function fromError(err: unknown, to: string, timeoutMs: number): SendError {
  const provider = TWILIO_SMS_PROVIDER;
  if (err instanceof twilio.RestException) {
    const code = typeof err.code === 'number' ? err.code : undefined;
    const reason = reasonFor(err.status, code);
    // err.message is Twilio's text; some echo the To number (21211), so it is not copied.
    return new SendError({
      provider,
      reason,
      message: `Twilio refused the SMS to ${to}: HTTP ${err.status}, error ${code ?? 'none'}`,
      providerCode: code ?? err.status,
    });
  }
  if (isTimeoutError(err)) {
    return new SendError({
      provider,
      reason: 'timeout',
      message: `Twilio did not answer within ${timeoutMs} ms (SMS to ${to})`,
    });
  }
  if (isNetworkError(err)) {
    return new SendError({ provider, reason: 'transient', message: `Twilio unreachable (SMS to ${to})` });
  }
  return new SendError({ provider, reason: 'transient', message: `Twilio send failed (SMS to ${to})` });
}
