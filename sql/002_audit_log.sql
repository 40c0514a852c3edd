-- 002: the audit trail. Append-only, enforced here rather than trusted to code:
-- UPDATE, DELETE and TRUNCATE raise, except a DELETE made by the archiver,
-- which sets molam.audit_archiving = 'on' for its own transaction only.
CREATE TABLE IF NOT EXISTS molam_audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  action      text NOT NULL,
  outcome     text NOT NULL DEFAULT 'ok',
  user_id     uuid,
  request_id  uuid,
  kind        text,
  channel     text,
  country     char(2),
  subject     text,            -- masked phone or email, never the full value
  actor_ip    inet,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS idx_audit_occurred ON molam_audit_log (occurred_at);
CREATE INDEX IF NOT EXISTS idx_audit_user ON molam_audit_log (user_id, occurred_at);
CREATE INDEX IF NOT EXISTS idx_audit_request ON molam_audit_log (request_id);

CREATE OR REPLACE FUNCTION molam_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('molam.audit_archiving', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'molam_audit_log is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS molam_audit_log_no_change ON molam_audit_log;
CREATE TRIGGER molam_audit_log_no_change
  BEFORE UPDATE OR DELETE ON molam_audit_log
  FOR EACH ROW EXECUTE FUNCTION molam_audit_log_append_only();

DROP TRIGGER IF EXISTS molam_audit_log_no_truncate ON molam_audit_log;
CREATE TRIGGER molam_audit_log_no_truncate
  BEFORE TRUNCATE ON molam_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION molam_audit_log_append_only();
