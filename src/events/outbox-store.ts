/**
 * The relay's queries on molam_outbox (sql/004). A claim is a lease: the
 * claimed rows get next_attempt_at = now() + lease, so no other relay takes
 * them while this one publishes outside any transaction; a relay that dies
 * mid-publish leaves rows that become claimable again when the lease ends.
 */
import type { Queryable } from '../db/database.js';
import type { EventEnvelope } from './event-publisher.js';

export interface ClaimedEvent {
  id: string;
  seq: string;
  aggregate_id: string | null;
  event_type: string;
  payload: EventEnvelope;
  attempts: number;
}

/**
 * Claims up to `limit` due rows in seq order, skipping rows another relay has
 * locked. Only the oldest unpublished row of each aggregate (user) is
 * eligible, so a later event never overtakes an earlier one that is failing
 * or in flight elsewhere.
 */
export async function claimDueEvents(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<ClaimedEvent>(
    `WITH due AS (
       SELECT o.id FROM molam_outbox o
        WHERE o.published_at IS NULL AND o.next_attempt_at <= now()
          AND NOT EXISTS (SELECT 1 FROM molam_outbox earlier
                           WHERE earlier.aggregate_id = o.aggregate_id
                             AND earlier.published_at IS NULL AND earlier.seq < o.seq)
        ORDER BY o.seq
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
     UPDATE molam_outbox o SET next_attempt_at = now() + make_interval(secs => $2::float8)
       FROM due WHERE o.id = due.id
     RETURNING o.id, o.seq::text AS seq, o.aggregate_id, o.event_type, o.payload, o.attempts`,
    [limit, leaseMs / 1000],
  );
  return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
}

/** Marks rows the broker confirmed. */
export async function markEventsPublished(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE molam_outbox SET published_at = now(), last_error = NULL
      WHERE id = ANY($1::uuid[]) AND published_at IS NULL`,
    [ids],
  );
}

/** Records a failed attempt and when to try again. */
export async function markEventFailed(db: Queryable, id: string, retryInMs: number, error: string): Promise<void> {
  await db.query(
    `UPDATE molam_outbox
        SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8), last_error = $3
      WHERE id = $1 AND published_at IS NULL`,
    [id, retryInMs / 1000, error],
  );
}

export interface OutboxBacklog {
  backlog: number;
  oldestAgeSeconds: number;
}

export async function readOutboxBacklog(db: Queryable): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ backlog: number; oldest_age: number }>(
    `SELECT count(*)::int AS backlog,
            COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest_age
       FROM molam_outbox WHERE published_at IS NULL`,
  );
  return { backlog: rows[0]?.backlog ?? 0, oldestAgeSeconds: rows[0]?.oldest_age ?? 0 };
}
