/**
 * Checking a code: the try is counted in the database before the compare,
 * the compare is constant-time, 5 wrong codes lock the request and wrong
 * codes also count per identifier across requests. A right code is spent
 * once and yields a short-lived single-use reset token.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditEntry } from '../queries/audit.queries.js';
import { createResetRequestQueries, type ResetRequestRow } from '../queries/reset-requests.queries.js';
import type { RiskMonitor } from '../risk/risk-monitor.js';
import { otpMatches } from '../security/otp.js';
import type { ResetTokens } from '../security/reset-token.js';
import type { RateLimiter } from './rate-limits.js';
import { goneError, type AuditedLimit } from './reset-guards.js';

/** Security default (DESIGN.md): 5 tries per code, then the request locks. */
export const OTP_MAX_ATTEMPTS = 5;

export interface CodeVerifierDeps {
  db: Database;
  limiter: RateLimiter;
  tokens: ResetTokens;
  metrics: Metrics;
  pepper: string;
  resetTokenTtlSeconds: number;
  risk?: RiskMonitor;
  limit: AuditedLimit;
  audit: (entry: AuditEntry) => Promise<void>;
}

export function createCodeVerifier(deps: CodeVerifierDeps) {
  const { limiter, tokens, metrics, pepper, limit, audit } = deps;
  const requests = createResetRequestQueries(deps.db);

  async function verify(input: { requestId: string; otp: string; ip: string | null }) {
    if (input.ip) await limit('verifyPerIp', input.ip, { action: 'reset.rate_limited', requestId: input.requestId, ip: input.ip });
    const row = await requests.spendAttemptOnPendingRequest(input.requestId);
    if (!row) {
      const existing = await requests.findResetRequestById(input.requestId);
      if (!existing) throw new AppError('request_not_found', 'No such reset request');
      throw goneError(existing.status);
    }
    const entry: AuditEntry = { action: 'reset.code_failed', userId: row.user_id, requestId: row.id, kind: row.kind, channel: row.channel, country: row.country, ip: input.ip };
    if (row.expired) {
      await requests.markRequestStatus(row.id, 'pending', 'expired');
      await recordFailure(row, entry, 'expired');
      throw goneError('expired');
    }
    if (!otpMatches(pepper, row.id, input.otp, row.otp_hash)) return refuseWrongCode(row, entry);

    const jti = randomUUID();
    if (!(await requests.markRequestVerified(row.id, jti))) throw goneError('verified');
    metrics.otpVerifications.inc({ kind: row.kind, result: 'ok' });
    deps.risk?.onOtpResult({ kind: row.kind, country: row.country, ip: input.ip, subjectDigest: row.subject_digest, ok: true });
    await audit({ ...entry, action: 'reset.verified' });
    const resetToken = await tokens.sign({ requestId: row.id, jti, kind: row.kind });
    return { resetToken, expiresInSeconds: deps.resetTokenTtlSeconds, kind: row.kind };
  }

  async function recordFailure(row: ResetRequestRow, entry: AuditEntry, reason: 'invalid' | 'expired' | 'locked') {
    metrics.otpFailures.inc({ kind: row.kind, reason });
    deps.risk?.onOtpResult({ kind: row.kind, country: row.country, ip: entry.ip ?? null, subjectDigest: row.subject_digest, ok: false });
    metrics.otpVerifications.inc({ kind: row.kind, result: reason });
    await audit({ ...entry, action: reason === 'expired' ? 'reset.expired' : reason === 'locked' ? 'reset.locked' : 'reset.code_failed', outcome: reason });
  }

  async function refuseWrongCode(row: ResetRequestRow, entry: AuditEntry): Promise<never> {
    const attemptsLeft = row.max_attempts - row.attempts;
    let overAccountCap = false;
    try {
      // Wrong codes also count per identifier across requests: a new request does not buy new guesses.
      await limiter.consume('otpFailuresPerUser', row.subject_digest);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'rate_limited')) throw err;
      overAccountCap = true;
    }
    if (attemptsLeft <= 0 || overAccountCap) {
      await requests.markRequestStatus(row.id, 'pending', 'locked');
      await recordFailure(row, entry, 'locked');
      throw goneError('locked');
    }
    await recordFailure(row, entry, 'invalid');
    throw new AppError('otp_invalid', 'Wrong code.', { attemptsLeft });
  }

  return { verify };
}
