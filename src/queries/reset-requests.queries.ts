/**
 * Named queries on molam_reset_requests. Counters, expiry and consumption
 * change atomically in the database (UPDATE ... RETURNING): concurrent
 * requests cannot both spend the same try or the same token.
 */
import type { ResetKind } from '../../machines/types.js';
import type { Queryable } from '../db/database.js';

export type ResetChannel = 'sms' | 'email' | 'ussd';
export type ResetStatus = 'pending' | 'verified' | 'locked' | 'completed' | 'cancelled' | 'expired';

export interface ResetRequestRow {
  id: string;
  user_id: string | null;
  subject_digest: string;
  kind: ResetKind;
  channel: ResetChannel;
  country: string | null;
  otp_hash: string;
  otp_expires_at: Date;
  attempts: number;
  max_attempts: number;
  send_count: number;
  last_sent_at: Date;
  status: ResetStatus;
  verified_at: Date | null;
  token_jti: string | null;
  token_used_at: Date | null;
  secret_checks: number;
  locked_at: Date | null;
}

const COLUMNS = `id, user_id, subject_digest, kind, channel, country, otp_hash, otp_expires_at, attempts, max_attempts,
  send_count, last_sent_at, status, verified_at, token_jti, token_used_at, secret_checks, locked_at`;

export interface NewResetRequest {
  id: string;
  userId: string | null;
  subjectDigest: string;
  kind: ResetKind;
  channel: ResetChannel;
  country: string | null;
  otpHash: string;
  ttlSeconds: number;
  maxAttempts: number;
  ip: string | null;
}

export function createResetRequestQueries(db: Queryable) {
  return {
    async findResetRequestById(id: string): Promise<ResetRequestRow | undefined> {
      const { rows } = await db.query<ResetRequestRow>(`SELECT ${COLUMNS} FROM molam_reset_requests WHERE id = $1`, [
        id,
      ]);
      return rows[0];
    },

    /**
     * Takes one try, in the same statement that checks the limit: under any
     * concurrency at most max_attempts callers get a row back, and only they
     * may compare the code (Kratos: the try is spent before the compare, so a
     * crash mid-check still spends it). The database clock decides expiry.
     */
    async takeTryOnPendingRequest(id: string): Promise<(ResetRequestRow & { expired: boolean }) | undefined> {
      const { rows } = await db.query<ResetRequestRow & { expired: boolean }>(
        `UPDATE molam_reset_requests SET attempts = attempts + 1, updated_at = now()
         WHERE id = $1 AND status = 'pending' AND attempts < max_attempts
         RETURNING ${COLUMNS}, otp_expires_at <= now() AS expired`,
        [id],
      );
      return rows[0];
    },

    /** Locks a pending request; locked_at starts the account's cool-off. */
    async lockPendingRequest(id: string): Promise<void> {
      await db.query(
        `UPDATE molam_reset_requests SET status = 'locked', locked_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'pending'`,
        [id],
      );
    },

    /**
     * Seconds left of the cool-off that follows the latest lock of an account
     * (any kind) or of one request (a decoy has no account); 0 when none.
     */
    async lockCoolOffSecondsLeft(
      owner: { userId: string | null; requestId: string | null },
      coolOffSeconds: number,
    ): Promise<number> {
      const { rows } = await db.query<{ left: number | null }>(
        `SELECT ceil(extract(epoch FROM max(locked_at) + make_interval(secs => $3) - now()))::int AS left
         FROM molam_reset_requests
         WHERE (user_id = $1 OR id = $2) AND locked_at > now() - make_interval(secs => $3)`,
        [owner.userId, owner.requestId, coolOffSeconds],
      );
      return Math.max(0, rows[0]?.left ?? 0);
    },

    /**
     * Takes one check of a new secret against the history (bcrypt work) under
     * a live token, in the statement that checks the cap; the number taken, or
     * undefined when the token is spent or no check is left.
     */
    async takeSecretCheck(id: string, maxChecks: number): Promise<number | undefined> {
      const { rows } = await db.query<{ secret_checks: number }>(
        `UPDATE molam_reset_requests SET secret_checks = secret_checks + 1, updated_at = now()
         WHERE id = $1 AND status = 'verified' AND token_used_at IS NULL AND secret_checks < $2
         RETURNING secret_checks`,
        [id, maxChecks],
      );
      return rows[0]?.secret_checks;
    },

    /** Gives a check back when its compares never ran (the hasher was too busy to take them). */
    async returnSecretCheck(id: string): Promise<void> {
      await db.query(
        `UPDATE molam_reset_requests SET secret_checks = secret_checks - 1 WHERE id = $1 AND secret_checks > 0`,
        [id],
      );
    },

    /** Spends the token of a verified request without a new secret (too many were refused). */
    async spendTokenWithoutReset(id: string): Promise<void> {
      await db.query(
        `UPDATE molam_reset_requests SET token_used_at = now(), status = 'cancelled', updated_at = now()
         WHERE id = $1 AND status = 'verified' AND token_used_at IS NULL`,
        [id],
      );
    },

    async markRequestStatus(id: string, from: ResetStatus, to: ResetStatus): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE molam_reset_requests SET status = $3, updated_at = now() WHERE id = $1 AND status = $2`,
        [id, from, to],
      );
      return rowCount === 1;
    },

    async countCompletedResets(userId: string, kind: ResetKind, days: number): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM molam_reset_requests
         WHERE user_id = $1 AND kind = $2 AND status = 'completed' AND completed_at > now() - make_interval(days => $3)`,
        [userId, kind, days],
      );
      return rows[0]?.n ?? 0;
    },

    async cancelLiveRequest(id: string): Promise<Pick<ResetRequestRow, 'user_id' | 'kind' | 'channel'> | undefined> {
      const { rows } = await db.query<Pick<ResetRequestRow, 'user_id' | 'kind' | 'channel'>>(
        `UPDATE molam_reset_requests SET status = 'cancelled', updated_at = now()
         WHERE id = $1 AND status IN ('pending', 'verified') RETURNING user_id, kind, channel`,
        [id],
      );
      return rows[0];
    },

    /** "Not me": every live request of the account is cancelled at once; returns how many were. */
    async cancelLiveRequestsOfUser(userId: string): Promise<number> {
      const { rows } = await db.query<{ id: string }>(
        `UPDATE molam_reset_requests SET status = 'cancelled', updated_at = now()
         WHERE user_id = $1 AND status IN ('pending', 'verified') RETURNING id`,
        [userId],
      );
      return rows.length;
    },

    /** Consumes the code: only one caller can move a pending request to verified. */
    async markRequestVerified(id: string, tokenJti: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE molam_reset_requests SET status = 'verified', verified_at = now(), token_jti = $2, updated_at = now()
         WHERE id = $1 AND status = 'pending'`,
        [id, tokenJti],
      );
      return rowCount === 1;
    },

    /**
     * Replaces the code of a pending request when the cooldown has passed and
     * the send cap is not reached. The try counter is left as it is: a resend
     * never buys more guesses.
     */
    async replaceCodeOfPendingRequest(
      id: string,
      otpHash: string,
      ttlSeconds: number,
      cooldownSeconds: number,
      maxSends: number,
    ) {
      const { rows } = await db.query<ResetRequestRow>(
        `UPDATE molam_reset_requests
         SET otp_hash = $2, otp_expires_at = now() + make_interval(secs => $3), send_count = send_count + 1,
             last_sent_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'pending' AND otp_expires_at > now()
           AND last_sent_at <= now() - make_interval(secs => $4) AND send_count < $5
         RETURNING ${COLUMNS}`,
        [id, otpHash, ttlSeconds, cooldownSeconds, maxSends],
      );
      return rows[0];
    },
  };
}

/** A new request cancels the live one of the same (user, kind): only one code is ever live. */
export async function insertResetRequest(tx: Queryable, r: NewResetRequest): Promise<void> {
  // Two starts of one account at once would both find nothing to cancel and collide on
  // idx_reset_one_live (one code lost): serialize them per (user, kind) for this transaction.
  if (r.userId) await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2))`, [r.userId, r.kind]);
  await tx.query(
    `UPDATE molam_reset_requests SET status = 'cancelled', updated_at = now()
     WHERE user_id = $1 AND kind = $2 AND status IN ('pending', 'verified')`,
    [r.userId, r.kind],
  );
  await tx.query(
    `INSERT INTO molam_reset_requests
       (id, user_id, subject_digest, kind, channel, country, otp_hash, otp_expires_at, max_attempts, request_ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8), $9, $10)`,
    [r.id, r.userId, r.subjectDigest, r.kind, r.channel, r.country, r.otpHash, r.ttlSeconds, r.maxAttempts, r.ip],
  );
}

/** Spends the single-use token and closes the request; false when it was already spent. */
export async function consumeResetToken(
  tx: Queryable,
  id: string,
  jti: string,
  maxAgeSeconds: number,
): Promise<string | null | false> {
  const { rows } = await tx.query<{ user_id: string | null }>(
    `UPDATE molam_reset_requests
     SET token_used_at = now(), status = 'completed', completed_at = now(), updated_at = now()
     WHERE id = $1 AND token_jti = $2 AND status = 'verified' AND token_used_at IS NULL
       AND verified_at > now() - make_interval(secs => $3)
     RETURNING user_id`,
    [id, jti, maxAgeSeconds],
  );
  return rows.length === 0 ? false : rows[0]!.user_id;
}
