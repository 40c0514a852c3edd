/**
 * What a gateway refuses, and how. A provider payload that cannot become a
 * DialogEvent ends here as one GatewayError with a stable code and an HTTP
 * status. Messages name the field and the rule, never the value: USSD text
 * carries PINs and OTPs (and AT's end-of-session `input` carries the whole path).
 *
 * The field rules shared by the USSD gateways live here too, because they
 * define what counts as invalid.
 */
import { z } from 'zod';

export const GATEWAY_ERROR_STATUS = {
  invalid_payload: 400,
  payload_too_large: 413,
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_STATUS;

/** A provider payload we refuse; safe to show (`expose`), never echoes the payload. */
export class GatewayError extends Error {
  readonly status: number;
  /** Always a 4xx: the message is written to be shown. */
  readonly expose = true;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** Name of the offending field (from our schema, never from the payload), if any. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = GATEWAY_ERROR_STATUS[code];
  }
}

export const isGatewayError = (err: unknown): err is GatewayError => err instanceof GatewayError;

// C0, DEL and C1 controls: no handset types them, a NUL truncates C strings
// downstream and an ESC in a log line is terminal injection. Removed, not refused.
const CONTROL = /\p{Cc}/gu;
// A lone surrogate cannot be re-encoded as UTF-8; U+FFFD is what a decoder
// leaves where the provider's bytes were not UTF-8. Refused: we would store a
// different answer from the one the user typed.
const NOT_UTF8 = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/;
const NOT_UTF8_MESSAGE = 'is not valid UTF-8 text';

export const stripControls = (s: string): string => s.replace(CONTROL, '');

/** A string of at most `max` characters (checked before anything else), valid UTF-8, controls removed. */
export const textField = (max: number) =>
  z
    .string()
    .max(max, { abort: true })
    .refine((s) => !NOT_UTF8.test(s), NOT_UTF8_MESSAGE)
    .transform(stripControls);

/** Provider session ids become Redis key parts: visible ASCII only. */
export const sessionIdField = textField(128).pipe(z.string().regex(/^[\x21-\x7E]+$/));

/**
 * A subscriber number as the provider wrote it. A '+' sent unescaped in a form
 * body decodes to a space (URLSearchParams rules), so a leading space before
 * digits is read back as '+'. The runtime normalizes to E.164 later.
 */
export const phoneField = textField(32)
  .transform((s) => (/^ \d+$/.test(s) ? `+${s.slice(1)}` : s.trim()))
  .pipe(z.string().regex(/^\+?\d{6,20}$/));

/** Short optional metadata (service code, network, operator); '' counts as absent. */
export const optionalShortField = textField(64)
  .optional()
  .transform((s) => (s ? s : undefined));

/** A JSON boolean; "true"/"false" strings too, as some relays stringify every field. */
export const flagField = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** Validate `body` against `schema`; any failure becomes one GatewayError. */
export function parseWith<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw gatewayErrorFromIssues(result.error.issues, body, what);
}

function gatewayErrorFromIssues(issues: readonly z.core.$ZodIssue[], body: unknown, what: string): GatewayError {
  const tooBig = issues.find((i) => i.code === 'too_big');
  const issue = tooBig ?? issues[0];
  const field = issue && issue.path.length > 0 ? String(issue.path[0]) : undefined;
  if (!issue || field === undefined) {
    return new GatewayError('invalid_payload', `${what}: the body must be an object of fields`);
  }
  if (tooBig) return new GatewayError('payload_too_large', `${what}: field "${field}" is too long`, field);
  const missing = isRecord(body) && body[field] === undefined;
  const rule = missing
    ? 'is missing'
    : issue.code === 'invalid_type'
      ? 'has the wrong type'
      : issue.message === NOT_UTF8_MESSAGE
        ? NOT_UTF8_MESSAGE
        : 'is malformed';
  return new GatewayError('invalid_payload', `${what}: field "${field}" ${rule}`, field);
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
