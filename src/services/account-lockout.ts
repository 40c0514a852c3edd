/**
 * What wrong codes cost an account, across its requests: a guess budget taken
 * before every compare (the OTP failure limits in rate-limits.ts), and a
 * cool-off after a lock during which no new request is opened. The USSD lock
 * screen states the wait this module computes, so what it says is what happens.
 */
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditEntry } from '../queries/audit.queries.js';
import { createResetRequestQueries, type ResetRequestRow } from '../queries/reset-requests.queries.js';
import { createUserQueries } from '../queries/users.queries.js';
import type { LimitName, RateLimiter } from './rate-limits.js';

/** After a request locks, the account opens no new request for an hour. */
export const LOCK_COOL_OFF_SECONDS = 3600;

/** Every guess takes one point from each; the tightest decides. */
const GUESS_LIMITS: readonly LimitName[] = ['otpGuessesPerAccountDay', 'otpGuessesPerAccount30Days'];

type RequestOwner = Pick<ResetRequestRow, 'id' | 'user_id' | 'subject_digest'>;

export interface AccountLockoutDeps {
  db: Queryable;
  limiter: RateLimiter;
  metrics: Metrics;
  audit: (entry: AuditEntry) => Promise<void>;
}

export function createAccountLockout({ db, limiter, metrics, audit }: AccountLockoutDeps) {
  const requests = createResetRequestQueries(db);
  const users = createUserQueries(db);
  // A decoy has no account: its identifier stands in, so guessing on decoys is limited alike.
  const accountKey = (userId: string | null, subjectDigest: string) =>
    userId ? `user:${userId}` : `subject:${subjectDigest}`;

  const budgetWait = async (key: string) =>
    Math.max(...(await Promise.all(GUESS_LIMITS.map((name) => limiter.secondsUntilFree(name, key)))));

  async function secondsLeft(userId: string | null, requestId: string | null, key: string): Promise<number> {
    const [lock, budget] = await Promise.all([
      requests.lockCoolOffSecondsLeft({ userId, requestId }, LOCK_COOL_OFF_SECONDS),
      budgetWait(key),
    ]);
    return Math.max(lock, budget);
  }

  /** The wait before an account may start again; a refusal is audited. */
  async function coolOffOfAccount(userId: string, entry: AuditEntry): Promise<number> {
    const left = await secondsLeft(userId, null, accountKey(userId, ''));
    if (left > 0) {
      metrics.rateLimited.inc({ scope: 'lockoutCoolOff' });
      await audit({ ...entry, userId, action: 'reset.rate_limited', outcome: 'cool_off' });
    }
    return left;
  }

  return {
    /** Takes one guess from the request's account before a compare; false when the budget is spent. */
    async takeGuess(row: RequestOwner): Promise<boolean> {
      const key = accountKey(row.user_id, row.subject_digest);
      for (const name of GUESS_LIMITS) {
        try {
          await limiter.consume(name, key);
        } catch (err) {
          if (err instanceof AppError && err.code === 'rate_limited') return false;
          throw err;
        }
      }
      return true;
    },

    /** A right code is not a failure: its guess goes back to the budget. */
    async giveGuessBack(row: RequestOwner): Promise<void> {
      const key = accountKey(row.user_id, row.subject_digest);
      await Promise.all(GUESS_LIMITS.map((name) => limiter.reward(name, key)));
    },

    /** Seconds until the account of a locked request may get a code again. */
    secondsUntilUnlocked: (row: RequestOwner) =>
      secondsLeft(row.user_id, row.id, accountKey(row.user_id, row.subject_digest)),

    coolOffOfAccount,

    /** USSD: the cool-off of the account using this phone (0 when none, or no account). */
    async coolOffOfPhone(phone: string, entry: AuditEntry): Promise<number> {
      const user = await users.findActiveUserByPhone(phone);
      return user ? coolOffOfAccount(user.id, entry) : 0;
    },
  };
}

export type AccountLockout = ReturnType<typeof createAccountLockout>;
