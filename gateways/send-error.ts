/**
 * How an outbound send fails, in one shape for every provider. A SendError
 * carries a stable `reason` the router and the notifier act on, the provider's
 * own code when there is one, and a message written to be logged: it never
 * holds the message body (it carries a live code) nor the full phone number.
 * Provider SDK errors are not kept as `cause`: an axios error holds the request
 * body, and a logger that walks `cause` would print the OTP.
 */
import { DeadlineExceeded } from './deadline.js';

/**
 * - rejected:  the provider refused this message or number (invalid number, route refused)
 * - transient: the provider or the network failed; the same send may work later or elsewhere
 * - opted_out: the recipient blocked this sender (Twilio 21610, AT 406 UserInBlacklist)
 * - timeout:   no answer before our deadline; the provider MAY still deliver
 * - config:    our account or settings are wrong (credentials, sender id, balance)
 */
export type SendFailureReason = 'rejected' | 'transient' | 'opted_out' | 'timeout' | 'config';

export interface SendAttempt {
  provider: string;
  reason: SendFailureReason;
}

export class SendError extends Error {
  readonly provider: string;
  readonly reason: SendFailureReason;
  /** The provider's own status or error code (AT statusCode, Twilio error code, SES error name). */
  readonly providerCode: string | undefined;
  /** Set by the SMS router: every provider it tried, in order. */
  readonly attempts: readonly SendAttempt[] | undefined;

  constructor(init: {
    provider: string;
    reason: SendFailureReason;
    message: string;
    providerCode?: string | number | undefined;
    attempts?: readonly SendAttempt[];
  }) {
    super(init.message);
    this.name = 'SendError';
    this.provider = init.provider;
    this.reason = init.reason;
    this.providerCode = init.providerCode === undefined ? undefined : String(init.providerCode);
    this.attempts = init.attempts;
  }
}

export const isSendError = (err: unknown): err is SendError => err instanceof SendError;

/** '+221771234567' → '+2217•••••67'; an email keeps its first letter and domain. */
export function maskRecipient(to: string): string {
  const at = to.indexOf('@');
  if (at > 0) return `${to[0]}•••${to.slice(at)}`;
  if (to.length <= 6) return '•'.repeat(to.length);
  return `${to.slice(0, 5)}${'•'.repeat(to.length - 7)}${to.slice(-2)}`;
}

/** A network-level failure (no HTTP answer): connection refused, reset, DNS. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONN|ENOTFOUND|EAI_AGAIN|EPIPE|ETIMEDOUT|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|ERR_SOCKET|UND_ERR)/.test(code)
  );
}

/** Axios timeouts (the SDKs' own socket timeouts) surface as these codes. */
export function isTimeoutError(err: unknown): boolean {
  if (err instanceof DeadlineExceeded) return true;
  const e = err as { code?: unknown; name?: unknown } | null;
  return (
    e?.code === 'ECONNABORTED' || e?.code === 'ETIMEDOUT' || e?.name === 'TimeoutError' || e?.name === 'AbortError'
  );
}

/** A default per-send deadline: the send runs after the USSD reply, so it may take longer than a hop. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
