-- 014: the audit log's one exception to append-only, decided by the database
-- and not by the session. Before, any session could SET LOCAL
-- molam.audit_archiving = 'on' and DELETE anything; that setting now means nothing.
-- A DELETE goes through only when both hold:
--   - the row is older than molam_audit_retention() (90 days), whoever asks:
--     not even a superuser deletes a younger row without dropping the trigger;
--   - the deleting role is a member of molam_audit_archiver (sql/013).
-- UPDATE and TRUNCATE are always refused.
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/014_audit_archiver_only.sql).

-- The retention, in one place: the trigger and npm run audit:archive both read it.
-- Shortening it takes a migration run by the owner, never a setting of the service.
CREATE OR REPLACE FUNCTION molam_audit_retention() RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT interval '90 days' $$;

-- search_path fixed at creation (FROM CURRENT) and pg_catalog.pg_roles qualified:
-- a session cannot swap in its own retention function or a TEMP TABLE pg_roles.
CREATE OR REPLACE FUNCTION molam_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  -- Nested IFs: OLD does not exist in the TRUNCATE (statement) trigger.
  IF TG_OP = 'DELETE' THEN
    IF OLD.occurred_at < now() - molam_audit_retention()
       -- Through pg_roles: a database where the role is missing refuses instead of erroring.
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = 'molam_audit_archiver'
                   AND pg_has_role(current_user, r.oid, 'MEMBER')) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'molam_audit_log is append-only (DELETE refused: only molam_audit_archiver, only rows older than %)',
      molam_audit_retention() USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'molam_audit_log is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
