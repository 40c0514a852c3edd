-- 004: transactional outbox. An event row is written in the same transaction
-- as the credential change; a relay publishes it to RabbitMQ/Kafka later.
-- seq keeps the order of events per aggregate (user) for the relay.
CREATE TABLE IF NOT EXISTS molam_outbox (
  id              uuid PRIMARY KEY,
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  aggregate_id    uuid,
  event_type      text NOT NULL,
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  published_at    timestamptz
);

CREATE INDEX IF NOT EXISTS idx_outbox_pending ON molam_outbox (seq) WHERE published_at IS NULL;
