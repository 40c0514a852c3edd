/**
 * Africa's Talking USSD end-of-session notification (a separate callback URL)
 * → UssdSessionEnd. It is AT's only signal that a session timed out or was
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
import { isRecord, parseWith, phoneField, sessionIdField, stripControls } from '../gateway-error.js';
import { AFRICASTALKING_PROVIDER } from './africastalking-ussd.js';

/** How a provider USSD session ended, as the runtime sees it (AT notification or Hubtel release/timeout). */
export interface UssdSessionEnd {
  provider: string;
  providerSessionId: string;
  phone: string;
  /** incomplete: user left or timed out mid-dialog; success: reached an END; failed: our side erred or was too slow. */
  status: 'incomplete' | 'success' | 'failed';
  hops?: number;
  durationMs?: number;
  /** Provider's reason, bounded and stripped of controls; never contains user input. */
  errorMessage?: string;
  receivedAt: Date;
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
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function toShortText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Slice by code point so a cut never leaves half a surrogate pair.
  const text = Array.from(stripControls(value).trim()).slice(0, ERROR_MESSAGE_MAX).join('');
  return text === '' ? undefined : text;
}
