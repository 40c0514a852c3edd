-- 001: the minimal identity table this service needs on its own.
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/001_users.sql).
CREATE TABLE IF NOT EXISTS molam_users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  phone_e164    text UNIQUE CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  email         text CHECK (email IS NULL OR email = lower(email)),
  language      text NOT NULL DEFAULT 'fr' CHECK (language ~ '^[a-z]{2,3}$'),
  country       char(2) CHECK (country ~ '^[A-Z]{2}$'),
  password_hash text,
  pin_hash      text,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT molam_users_has_contact CHECK (phone_e164 IS NOT NULL OR email IS NOT NULL)
);

CREATE UNIQUE INDEX IF NOT EXISTS idx_users_email ON molam_users (email) WHERE email IS NOT NULL;
