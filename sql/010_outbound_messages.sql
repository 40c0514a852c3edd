-- 010: every SMS/email handed to a provider, so delivery reports can be
-- matched, a failed OTP can fail over once, and latency can be measured.
-- Never the body (it holds the code) and never the full number.
CREATE TABLE IF NOT EXISTS molam_outbound_messages (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider            text NOT NULL,
  provider_message_id text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('sms', 'email')),
  purpose             text NOT NULL CHECK (purpose IN ('otp', 'notice', 'reply')),
  request_id          uuid,
  recipient           text NOT NULL,            -- masked
  status              text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'failed')),
  failure_reason      text,
  failed_over         boolean NOT NULL DEFAULT false,
  failover_of         bigint REFERENCES molam_outbound_messages (id),
  sent_at             timestamptz NOT NULL DEFAULT now(),
  reported_at         timestamptz
);

CREATE UNIQUE INDEX IF NOT EXISTS idx_outbound_provider_message
  ON molam_outbound_messages (provider, provider_message_id);
CREATE INDEX IF NOT EXISTS idx_outbound_request ON molam_outbound_messages (request_id);
