/**
 * One domain error with a stable code. Routes and services throw it; one
 * middleware turns it into an HTTP answer (and the USSD runtime into a screen).
 * Messages are written for the client and never carry a secret.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_payload: 400,
  otp_invalid: 400,
  token_invalid: 401,
  forbidden: 403,
  channel_refused: 403,
  not_found: 404,
  request_not_found: 404,
  method_not_allowed: 405,
  token_used: 409,
  otp_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  weak_secret: 422,
  request_locked: 423,
  rate_limited: 429,
  internal_error: 500,
  not_implemented: 501,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Extra fields a client may rely on (attemptsLeft, reason, retryAfterSeconds). */
export type ErrorData = Record<string, string | number | boolean>;

export class AppError extends Error {
  readonly status: number;
  /** 4xx errors are shown to the client; 5xx are hidden behind a generic message (koa's rule). */
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: ErrorData = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.expose = this.status < 500;
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;
