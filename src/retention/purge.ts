/**
 * Retention purge: deletes reset requests, outbound-message records and
 * published outbox events past their retention, so that a flood of decoy
 * requests (2,000 in 7 s) cannot grow the tables forever. The audit log is
 * never touched here: it leaves only through its archive (npm run audit:archive).
 *
 * Batched: each DELETE takes at most batchSize rows in its own short
 * transaction, so a large backlog never holds many row locks for long.
 * One at a time: every batch first takes a transaction-scoped advisory lock;
 * a run that finds it taken stops (another instance is purging and carries on),
 * so replicas never delete side by side and a run never fails for it.
 */
import type { Database } from '../db/database.js';

/** Retention in days per kind of row (config: RESET_REQUEST_RETENTION_DAYS, ...). */
export interface RetentionPolicy {
  /** At least 31: the 30-day cap on completed resets counts these rows. */
  resetRequestDays: number;
  outboundMessageDays: number;
  /** Published events only; an unpublished one stays until the relay has sent it. */
  outboxDays: number;
}

/** A decoy (no user: an unknown identifier) serves no limit or investigation once its code expired. */
export const DECOY_RETENTION_DAYS = 1;
export const PURGE_BATCH_SIZE = 1000;
// Distinct from the migration lock (60_06_2025): issue 11, item 18.
const PURGE_LOCK_ID = 60_11_2018;

/**
 * At most $2 rows of `table` that match `where`, deleted. SKIP LOCKED: a row
 * the service is updating waits for the next run.
 */
const batchedDelete = (table: string, where: string) =>
  `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where} LIMIT $2 FOR UPDATE SKIP LOCKED)`;
/** `column` is more than $1 days in the past. */
const olderThanDays = (column: string) => `${column} < now() - make_interval(days => $1)`;

/** One DELETE per kind: $1 = days, $2 = batch size. */
const PURGE_STATEMENTS = {
  decoyRequests: {
    days: () => DECOY_RETENTION_DAYS,
    sql: batchedDelete('molam_reset_requests', `user_id IS NULL AND ${olderThanDays('otp_expires_at')}`),
  },
  resetRequests: {
    days: (p: RetentionPolicy) => p.resetRequestDays,
    sql: batchedDelete('molam_reset_requests', olderThanDays('created_at')),
  },
  outboundMessages: {
    days: (p: RetentionPolicy) => p.outboundMessageDays,
    sql: batchedDelete('molam_outbound_messages', olderThanDays('sent_at')),
  },
  outboxEvents: {
    days: (p: RetentionPolicy) => p.outboxDays,
    sql: batchedDelete('molam_outbox', olderThanDays('published_at')),
  },
} as const;

export type PurgeCounts = Record<keyof typeof PURGE_STATEMENTS, number>;
export interface PurgeResult extends PurgeCounts {
  /** True when another instance held the purge lock: this run stopped and left the rest to it. */
  yielded: boolean;
}

/** One batch under the purge lock; undefined when another instance holds it. */
async function deleteBatch(db: Database, sql: string, days: number, batchSize: number): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      PURGE_LOCK_ID,
    ]);
    if (!rows[0]?.locked) return undefined;
    return (await tx.query(sql, [days, batchSize])).rowCount;
  });
}

/** Deletes everything past retention, batch by batch. Idempotent: a second run finds nothing. */
export async function purgeExpiredRows(
  db: Database,
  policy: RetentionPolicy,
  batchSize = PURGE_BATCH_SIZE,
): Promise<PurgeResult> {
  const result: PurgeResult = {
    decoyRequests: 0,
    resetRequests: 0,
    outboundMessages: 0,
    outboxEvents: 0,
    yielded: false,
  };
  for (const name of Object.keys(PURGE_STATEMENTS) as (keyof PurgeCounts)[]) {
    const statement = PURGE_STATEMENTS[name];
    for (;;) {
      const deleted = await deleteBatch(db, statement.sql, statement.days(policy), batchSize);
      if (deleted === undefined) return { ...result, yielded: true };
      result[name] += deleted;
      if (deleted < batchSize) break;
    }
  }
  return result;
}
