-- 008: row-level security per tenant (country) on reset requests and audit.
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/008_row_level_security.sql).
--
-- Who is restricted: members of molam_tenant_reader (per-country back-office
-- and reporting logins). Which rows they see is decided by sql/015 from their
-- role membership (molam_tenant_sn, molam_tenant_ci, ...); until 015 has run
-- they see none. This file no longer creates the tenant policy itself, so
-- running it again after 015 cannot bring back the old one (the country came
-- from the session setting molam.tenant, which any reader could change).
--
-- Who is not: the owner (RLS is ENABLEd, not FORCEd) and every role that is
-- not a tenant reader, through molam_service_access (the service, the audit
-- archiver); table GRANTs (sql/013) still decide what each may do.
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

    -- (SELECT ...) makes the role check an init-plan: evaluated once per statement, not per row.
    EXECUTE format('DROP POLICY IF EXISTS molam_service_access ON %I', t);
    EXECUTE format($p$CREATE POLICY molam_service_access ON %I FOR ALL TO PUBLIC
      USING ((SELECT NOT pg_has_role(current_user, 'molam_tenant_reader', 'MEMBER')))
      WITH CHECK ((SELECT NOT pg_has_role(current_user, 'molam_tenant_reader', 'MEMBER')))$p$, t);
  END LOOP;
END
$$;
