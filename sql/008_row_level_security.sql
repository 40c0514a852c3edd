-- 008: row-level security per tenant (country) on reset requests and audit.
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/008_row_level_security.sql).
--
-- Who is restricted: members of molam_tenant_reader (per-country back-office
-- and reporting connections). They see only rows whose country equals the
-- transaction's molam.tenant setting:
--   BEGIN; SET LOCAL ROLE molam_tenant_reader; SET LOCAL molam.tenant = 'SN'; SELECT ...
-- An unset or empty molam.tenant matches no row: forgetting it fails closed.
-- The setting is chosen by the connecting code, so tenant-reader connections
-- belong to trusted server-side code, never to a tenant's own SQL session.
--
-- Who is not: the service. It owns these tables, and RLS is ENABLEd, not
-- FORCEd, so the owner is not filtered (the reset flow, the outbox and the
-- audit archiver read and write every country). A service role that is not
-- the owner keeps working through molam_service_access, which admits every
-- role that is not a tenant reader; table GRANTs still decide what it may do.
-- FORCE with "no setting = see everything" was rejected: it fails open.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'molam_tenant_reader') THEN
    BEGIN
      CREATE ROLE molam_tenant_reader NOLOGIN;
    EXCEPTION
      -- Roles are cluster-wide: another database's migration may have just created it.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE WARNING 'molam_tenant_reader could not be created (no CREATEROLE): a DBA creates it, then runs 008 again';
    END;
  END IF;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'molam_tenant_reader') THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['molam_reset_requests', 'molam_audit_log'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('GRANT SELECT ON %I TO molam_tenant_reader', t);

    EXECUTE format('DROP POLICY IF EXISTS molam_tenant_isolation ON %I', t);
    EXECUTE format($p$CREATE POLICY molam_tenant_isolation ON %I FOR SELECT TO molam_tenant_reader
      USING (country IS NOT NULL AND country::text = upper(current_setting('molam.tenant', true)))$p$, t);

    -- (SELECT ...) makes the role check an init-plan: evaluated once per statement, not per row.
    EXECUTE format('DROP POLICY IF EXISTS molam_service_access ON %I', t);
    EXECUTE format($p$CREATE POLICY molam_service_access ON %I FOR ALL TO PUBLIC
      USING ((SELECT NOT pg_has_role(current_user, 'molam_tenant_reader', 'MEMBER')))
      WITH CHECK ((SELECT NOT pg_has_role(current_user, 'molam_tenant_reader', 'MEMBER')))$p$, t);
  END LOOP;
END
$$;
