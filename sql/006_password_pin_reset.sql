-- 006: password and USSD-PIN reset requests (Brique 6).
-- Runs on its own on a fresh database, as the deployment guide does
-- (psql molam_id < sql/006_password_pin_reset.sql); the link to molam_users
-- is added by 007 so that this file depends on nothing before it.
CREATE TABLE IF NOT EXISTS molam_reset_requests (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- NULL for a decoy: an unknown identifier gets a request too, so the answer
  -- and its timing are the same as for a real account, and nothing is sent.
  user_id        uuid,
  -- HMAC of the identifier asked for: per-identifier limits without storing it.
  subject_digest text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('password', 'ussd_pin')),
  channel        text NOT NULL CHECK (channel IN ('sms', 'email', 'ussd')),
  country        char(2),
  otp_hash       text NOT NULL,
  otp_expires_at timestamptz NOT NULL,
  attempts       integer NOT NULL DEFAULT 0,
  max_attempts   integer NOT NULL DEFAULT 5,
  send_count     integer NOT NULL DEFAULT 1,
  last_sent_at   timestamptz NOT NULL DEFAULT now(),
  status         text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'verified', 'locked', 'completed', 'cancelled', 'expired')),
  verified_at    timestamptz,
  token_jti      text,
  token_used_at  timestamptz,
  completed_at   timestamptz,
  request_ip     inet,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_reset_user_kind ON molam_reset_requests (user_id, kind, status);
CREATE INDEX IF NOT EXISTS idx_reset_created ON molam_reset_requests (created_at);
-- At most one live request per (user, kind): a new request cancels the old one.
CREATE UNIQUE INDEX IF NOT EXISTS idx_reset_one_live
  ON molam_reset_requests (user_id, kind)
  WHERE user_id IS NOT NULL AND status IN ('pending', 'verified');
