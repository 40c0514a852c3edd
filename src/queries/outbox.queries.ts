/** Writes an event to the transactional outbox, in the caller's transaction. */
import type { Queryable } from '../db/database.js';

export interface OutboxEvent {
  id: string;
  aggregateId: string;
  type: string;
  payload: Record<string, unknown>;
}

export async function insertOutboxEvent(tx: Queryable, e: OutboxEvent): Promise<void> {
  await tx.query('INSERT INTO molam_outbox (id, aggregate_id, event_type, payload) VALUES ($1, $2, $3, $4)', [
    e.id,
    e.aggregateId,
    e.type,
    JSON.stringify(e.payload),
  ]);
}
