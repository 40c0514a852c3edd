-- 002: the audit trail. Append-only, enforced here rather than trusted to code:
-- UPDATE, DELETE and TRUNCATE raise. The one exception (sql/014): a member of
-- molam_audit_archiver may DELETE rows older than the retention (90 days).
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

-- Created only when absent, here and for the triggers: sql/014 replaces the
-- function with the archiver's exception, and running this file again later
-- must not undo that (nor loosen anything).
DO $do$
BEGIN
  IF to_regprocedure('molam_audit_log_append_only()') IS NULL THEN
    CREATE FUNCTION molam_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $f$
    BEGIN
      RAISE EXCEPTION 'molam_audit_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
    $f$;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'molam_audit_log_no_change'
                 AND tgrelid = 'molam_audit_log'::regclass) THEN
    CREATE TRIGGER molam_audit_log_no_change
      BEFORE UPDATE OR DELETE ON molam_audit_log
      FOR EACH ROW EXECUTE FUNCTION molam_audit_log_append_only();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'molam_audit_log_no_truncate'
                 AND tgrelid = 'molam_audit_log'::regclass) THEN
    CREATE TRIGGER molam_audit_log_no_truncate
      BEFORE TRUNCATE ON molam_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION molam_audit_log_append_only();
  END IF;
END
$do$;
