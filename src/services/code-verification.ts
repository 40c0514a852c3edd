/**
 * Checking a code. Every limit is taken before the compare, in a statement
 * that checks it: the request's try in Postgres (5 per code), then a guess
 * from the account's budget in Redis (across requests). A wrong code that
 * used the last try, or a spent budget, locks the request. A right code is
 * spent once and yields a short-lived single-use reset token.
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
import type { AccountLockout } from './account-lockout.js';
import { goneError, lockedError, type AuditedLimit } from './reset-guards.js';

/** Security default (DESIGN.md): 5 tries per code, then the request locks. */
export const OTP_MAX_ATTEMPTS = 5;

export interface CodeVerifierDeps {
  db: Database;
  tokens: ResetTokens;
  metrics: Metrics;
  pepper: string;
  resetTokenTtlSeconds: number;
  risk?: RiskMonitor;
  limit: AuditedLimit;
  lockout: AccountLockout;
  audit: (entry: AuditEntry) => Promise<void>;
}

type Failure = 'invalid' | 'expired' | 'locked';
const FAILURE_ACTIONS = { invalid: 'reset.code_failed', expired: 'reset.expired', locked: 'reset.locked' } as const;

export function createCodeVerifier(deps: CodeVerifierDeps) {
  const { tokens, metrics, pepper, limit, lockout, audit } = deps;
  const requests = createResetRequestQueries(deps.db);

  async function verify(input: { requestId: string; otp: string; ip: string | null }) {
    if (input.ip)
      await limit('verifyPerIp', input.ip, { action: 'reset.rate_limited', requestId: input.requestId, ip: input.ip });
    const row = await requests.takeTryOnPendingRequest(input.requestId);
    if (!row) throw await refusalWithoutTry(input.requestId);
    const entry: AuditEntry = {
      action: 'reset.code_failed',
      userId: row.user_id,
      requestId: row.id,
      kind: row.kind,
      channel: row.channel,
      country: row.country,
      ip: input.ip,
    };
    if (row.expired) {
      await requests.markRequestStatus(row.id, 'pending', 'expired');
      await recordFailure(row, entry, 'expired');
      throw goneError('expired');
    }
    // The account's budget is spent: no compare at all, whatever the code.
    if (!(await lockout.takeGuess(row))) return lock(row, entry, 'account_cap');
    if (!otpMatches(pepper, row.id, input.otp, row.otp_hash)) return refuseWrongCode(row, entry);
    await lockout.giveGuessBack(row);

    const jti = randomUUID();
    if (!(await requests.markRequestVerified(row.id, jti))) throw goneError('verified');
    metrics.otpVerifications.inc({ kind: row.kind, result: 'ok' });
    deps.risk?.onOtpResult({
      kind: row.kind,
      country: row.country,
      ip: input.ip,
      subjectDigest: row.subject_digest,
      ok: true,
    });
    await audit({ ...entry, action: 'reset.verified' });
    const resetToken = await tokens.sign({ requestId: row.id, jti, kind: row.kind });
    return { resetToken, expiresInSeconds: deps.resetTokenTtlSeconds, kind: row.kind };
  }

  /** No try was left to take: why, without comparing anything. */
  async function refusalWithoutTry(requestId: string): Promise<AppError> {
    const existing = await requests.findResetRequestById(requestId);
    if (!existing) return new AppError('request_not_found', 'No such reset request');
    // Still pending: a concurrent wrong code took the last try and is locking it now.
    if (existing.status === 'pending' || existing.status === 'locked')
      return lockedError(await lockout.secondsUntilUnlocked(existing));
    return goneError(existing.status);
  }

  /** outcome tells a lock after a compare ('wrong_code') from one without ('account_cap'). */
  async function recordFailure(row: ResetRequestRow, entry: AuditEntry, reason: Failure, outcome: string = reason) {
    metrics.otpFailures.inc({ kind: row.kind, reason });
    deps.risk?.onOtpResult({
      kind: row.kind,
      country: row.country,
      ip: entry.ip ?? null,
      subjectDigest: row.subject_digest,
      ok: false,
    });
    metrics.otpVerifications.inc({ kind: row.kind, result: reason });
    await audit({ ...entry, action: FAILURE_ACTIONS[reason], outcome });
  }

  async function lock(row: ResetRequestRow, entry: AuditEntry, why: 'wrong_code' | 'account_cap'): Promise<never> {
    await requests.lockPendingRequest(row.id);
    await recordFailure(row, entry, 'locked', why);
    throw lockedError(await lockout.secondsUntilUnlocked(row));
  }

  async function refuseWrongCode(row: ResetRequestRow, entry: AuditEntry): Promise<never> {
    const attemptsLeft = row.max_attempts - row.attempts;
    if (attemptsLeft <= 0) return lock(row, entry, 'wrong_code');
    await recordFailure(row, entry, 'invalid');
    throw new AppError('otp_invalid', 'Wrong code.', { attemptsLeft });
  }

  return { verify };
}
