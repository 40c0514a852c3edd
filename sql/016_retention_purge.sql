-- 016: what the retention purge (src/retention/purge.ts: npm run purge and the
-- daily job) needs to delete in small batches without scanning whole tables.
-- Reset requests past retention use idx_reset_created (sql/006).
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/016_retention_purge.sql).

-- Decoy requests (no user: an unknown identifier) go a day after their code expired.
CREATE INDEX IF NOT EXISTS idx_reset_decoy_expiry
  ON molam_reset_requests (otp_expires_at) WHERE user_id IS NULL;

CREATE INDEX IF NOT EXISTS idx_outbound_sent ON molam_outbound_messages (sent_at);

-- Only published events are ever purged.
CREATE INDEX IF NOT EXISTS idx_outbox_published
  ON molam_outbox (published_at) WHERE published_at IS NOT NULL;

-- A failover copy points at the message it replaced. Deleting the older one must
-- neither fail (NO ACTION) nor scan the table per row (no index on failover_of).
CREATE INDEX IF NOT EXISTS idx_outbound_failover_of
  ON molam_outbound_messages (failover_of) WHERE failover_of IS NOT NULL;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint
              WHERE conname = 'molam_outbound_messages_failover_of_fkey' AND confdeltype <> 'n') THEN
    ALTER TABLE molam_outbound_messages DROP CONSTRAINT molam_outbound_messages_failover_of_fkey;
    ALTER TABLE molam_outbound_messages ADD CONSTRAINT molam_outbound_messages_failover_of_fkey
      FOREIGN KEY (failover_of) REFERENCES molam_outbound_messages (id) ON DELETE SET NULL;
  END IF;
END
$$;
