-- 015: a tenant reader's country comes from its role membership, not from a
-- setting it can change. Before, a reader chose its rows with SET molam.tenant.
-- Now one role per country, named molam_tenant_<iso code in lower case> and a
-- member of molam_tenant_reader, admits its members to that country's rows:
--   CREATE ROLE molam_tenant_sn NOLOGIN IN ROLE molam_tenant_reader;
--   GRANT molam_tenant_sn TO bo_dakar;   -- bo_dakar sees SN rows, whatever it sets
-- A reader in no country role sees nothing; molam.tenant is ignored.
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/015_tenant_from_role.sql).

-- The countries whose role current_user belongs to. Only roles that exist are
-- looked at, so a country without a role never raises, it just matches nothing.
-- pg_catalog.pg_roles, qualified: a bare pg_roles would find a reader's own
-- TEMP TABLE pg_roles first (pg_temp is searched before pg_catalog for tables).
CREATE OR REPLACE FUNCTION molam_tenant_countries() RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(upper(substring(r.rolname FROM 14))), '{}')
    FROM pg_catalog.pg_roles r
   WHERE r.rolname ~ '^molam_tenant_[a-z]{2}$'
     AND pg_has_role(current_user, r.oid, 'MEMBER')
$$;

DO $$
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'molam_tenant_reader') THEN
    RAISE WARNING 'molam_tenant_reader is missing: a DBA creates it, then runs 008 and 015 again';
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['molam_reset_requests', 'molam_audit_log'] LOOP
    -- (SELECT ...) makes the country list an init-plan: computed once per statement, not per row.
    EXECUTE format('DROP POLICY IF EXISTS molam_tenant_isolation ON %I', t);
    EXECUTE format($p$CREATE POLICY molam_tenant_isolation ON %I FOR SELECT TO molam_tenant_reader
      USING (country::text = ANY ((SELECT molam_tenant_countries())::text[]))$p$, t);
  END LOOP;
END
$$;
