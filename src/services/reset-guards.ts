/** Helpers shared by the reset services: the error for a request that is no longer usable, and audited limits. */
import { AppError } from '../errors.js';
import type { AuditEntry } from '../queries/audit.queries.js';
import type { ResetStatus } from '../queries/reset-requests.queries.js';
import type { LimitName, RateLimiter } from './rate-limits.js';

/** A locked request; retryAfterSeconds, when known, is the account's wait before a new request gets a code. */
export const lockedError = (retryAfterSeconds?: number) =>
  new AppError(
    'request_locked',
    'Too many wrong codes: this request is locked. Start a new one later.',
    retryAfterSeconds ? { retryAfterSeconds } : {},
  );

const GONE: Partial<Record<ResetStatus, () => AppError>> = { locked: () => lockedError() };

/** A locked request says so; every other closed state reads as "this code is no longer valid". */
export const goneError = (status: ResetStatus) =>
  GONE[status]?.() ?? new AppError('otp_expired', 'This code is no longer valid. Request a new one.');

/** Consumes one hit of a limit; a refusal is written to the audit trail before it is thrown. */
export function createAuditedLimit(limiter: RateLimiter, audit: (entry: AuditEntry) => Promise<void>) {
  return async function limit(name: LimitName, subject: string, entry: AuditEntry): Promise<void> {
    try {
      await limiter.consume(name, subject);
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited')
        await audit({ ...entry, action: 'reset.rate_limited', outcome: name });
      throw err;
    }
  };
}

export type AuditedLimit = ReturnType<typeof createAuditedLimit>;
