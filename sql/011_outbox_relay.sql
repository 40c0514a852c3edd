-- 011: lets the outbox relay find, per user, whether an earlier event is still
-- unpublished (claimDueEvents' NOT EXISTS) without scanning the whole backlog
-- after a long broker outage.
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/011_outbox_relay.sql).
CREATE INDEX IF NOT EXISTS idx_outbox_pending_aggregate
  ON molam_outbox (aggregate_id, seq) WHERE published_at IS NULL;
