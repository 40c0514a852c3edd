-- 013: the production role split. Group roles (NOLOGIN) carry the privileges;
-- a DBA creates the logins and makes them members. Who may do what:
--
--   owner                 the login that runs the migrations (psql -f, npm run migrate):
--                         owns every table, the triggers and the policies. Nobody else.
--   molam_service         the service's login (DATABASE_URL of npm start): the DML the
--                         reset flow, the outbox relay and the retention purge need;
--                         on molam_audit_log only SELECT and INSERT.
--   molam_audit_archiver  npm run audit:archive: SELECT and DELETE on molam_audit_log
--                         (the trigger of sql/014 lets the DELETE through only for rows
--                         older than the retention) and the manifest molam_audit_archives.
--   molam_tenant_reader   per-country back-office logins, read-only, through a country
--                         role such as molam_tenant_sn (sql/008 and sql/015).
--
-- A DBA, once per cluster (passwords from the vault):
--   CREATE ROLE molam_owner LOGIN PASSWORD '...';  -- owns the database; runs migrations
--   CREATE ROLE molam_app LOGIN PASSWORD '...' IN ROLE molam_service;
--   CREATE ROLE molam_archiver LOGIN PASSWORD '...' IN ROLE molam_audit_archiver;
--   CREATE ROLE molam_tenant_sn NOLOGIN IN ROLE molam_tenant_reader;
--   CREATE ROLE bo_dakar LOGIN PASSWORD '...' IN ROLE molam_tenant_sn;
-- The service then runs with MIGRATE_ON_START=false: it may not create anything.
--
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/013_database_roles.sql).
-- A migrating login without CREATEROLE only warns: a DBA creates the two roles
-- (CREATE ROLE molam_service NOLOGIN; CREATE ROLE molam_audit_archiver NOLOGIN)
-- and runs this file again with psql.

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['molam_service', 'molam_audit_archiver'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION
        -- Roles are cluster-wide: another database's migration may have just created it.
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
          RAISE WARNING '% could not be created (no CREATEROLE): a DBA creates it, then runs 013 again', r;
      END;
    END IF;
  END LOOP;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'molam_service') THEN
    GRANT SELECT, INSERT, UPDATE ON molam_users TO molam_service;
    GRANT SELECT, INSERT ON molam_credential_history TO molam_service;
    -- DELETE: the retention purge (npm run purge and the daily job) runs as the service.
    GRANT SELECT, INSERT, UPDATE, DELETE ON molam_reset_requests, molam_outbox, molam_outbound_messages TO molam_service;
    -- Exact, not additive: whatever was granted before, the service only appends to the audit log.
    REVOKE ALL ON molam_audit_log, molam_audit_archives FROM molam_service;
    GRANT SELECT, INSERT ON molam_audit_log TO molam_service;
  END IF;

  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'molam_audit_archiver') THEN
    REVOKE ALL ON molam_audit_log, molam_audit_archives FROM molam_audit_archiver;
    GRANT SELECT, DELETE ON molam_audit_log TO molam_audit_archiver;
    GRANT SELECT, INSERT, UPDATE ON molam_audit_archives TO molam_audit_archiver;
  END IF;

  -- Nobody but the owner changes the audit log, whatever PUBLIC was given.
  REVOKE UPDATE, DELETE, TRUNCATE ON molam_audit_log FROM PUBLIC;
END
$$;
