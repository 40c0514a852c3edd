-- 003: previous credential hashes, so a reset can refuse the last few PINs/passwords.
CREATE TABLE IF NOT EXISTS molam_credential_history (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES molam_users (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('password', 'ussd_pin')),
  secret_hash text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_credential_history_user_kind
  ON molam_credential_history (user_id, kind, created_at DESC);
