-- 012: counters for the reset guards (issue 11, items 4-7).
-- secret_checks: new secrets checked against the credential history under one
--   reset token; taken with UPDATE ... WHERE secret_checks < 5 before the bcrypt
--   compares, so concurrent completes cannot buy unbounded bcrypt work.
-- locked_at: when wrong codes locked the request; new requests of the account
--   wait out a cool-off from it (the USSD lock screen states how long).
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/012_reset_guard_counters.sql).
ALTER TABLE molam_reset_requests ADD COLUMN IF NOT EXISTS secret_checks integer NOT NULL DEFAULT 0;
ALTER TABLE molam_reset_requests ADD COLUMN IF NOT EXISTS locked_at timestamptz;

-- The cool-off check at every start looks up an account's recent locks.
CREATE INDEX IF NOT EXISTS idx_reset_user_locked
  ON molam_reset_requests (user_id, locked_at) WHERE locked_at IS NOT NULL;
