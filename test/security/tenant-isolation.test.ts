/**
 * Item 16: a tenant reader's country comes from its role membership; the
 * session setting molam.tenant it controls opens nothing. Real PostgreSQL
 * (fresh database), real non-superuser LOGIN roles: a back-office login of
 * Senegal, a reader in no country, and the service's login.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { createDatabaseLogins, ensureGroupRole } from '../support/database-logins.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

let test: TestDatabase;
let owner: Database;
let senegal: Database;
let noCountry: Database;
let service: Database;
let logins: ReturnType<typeof createDatabaseLogins>;

async function seed(): Promise<void> {
  // GH has no tenant role anywhere: its rows must neither leak nor raise.
  for (const country of ['SN', 'SN', 'CI', 'GH']) {
    await owner.query(
      `INSERT INTO molam_reset_requests (subject_digest, kind, channel, country, otp_hash, otp_expires_at)
       VALUES ($1, 'ussd_pin', 'ussd', $2, 'h', now() + interval '5 minutes')`,
      [randomUUID(), country],
    );
    await owner.query(`INSERT INTO molam_audit_log (action, country) VALUES ('reset.requested', $1)`, [country]);
  }
  await owner.query(`INSERT INTO molam_audit_log (action) VALUES ('reset.rate_limited')`);
}

/** Countries `db`'s login sees in both tables, after setting molam.tenant (undefined: not set). */
async function visible(db: Database, tenant?: string) {
  return db.transaction(async (tx) => {
    if (tenant !== undefined) await tx.query(`SELECT set_config('molam.tenant', $1, true)`, [tenant]);
    const requests = await tx.query<{ country: string | null }>(
      'SELECT country FROM molam_reset_requests ORDER BY country',
    );
    const audit = await tx.query<{ country: string | null }>('SELECT country FROM molam_audit_log ORDER BY country');
    return { requests: requests.rows.map((r) => r.country), audit: audit.rows.map((r) => r.country) };
  });
}

beforeAll(async () => {
  test = await createTestDatabase('tenant');
  owner = createPostgresDatabase(test.url);
  await runMigrations(owner);
  await seed();
  await ensureGroupRole('molam_tenant_sn', 'molam_tenant_reader');
  await ensureGroupRole('molam_tenant_ci', 'molam_tenant_reader');
  logins = createDatabaseLogins(test.url);
  senegal = createPostgresDatabase(logins.urlFor(await logins.create('bo_sn', ['molam_tenant_sn'])));
  noCountry = createPostgresDatabase(logins.urlFor(await logins.create('bo_none', ['molam_tenant_reader'])));
  service = createPostgresDatabase(logins.urlFor(await logins.create('svc', ['molam_service'])));
});

afterAll(async () => {
  await Promise.allSettled([senegal?.close(), noCountry?.close(), service?.close(), owner?.close()]);
  await test?.drop();
  await logins?.dropAll();
});

const SN_ONLY = { requests: ['SN', 'SN'], audit: ['SN', 'SN'] };
const NOTHING = { requests: [], audit: [] };

describe('item 16: a tenant reader cannot pick its country', () => {
  it('a member of molam_tenant_sn sees SN rows only, whatever molam.tenant it sets', async () => {
    for (const tenant of [undefined, 'SN', 'CI', 'ci', 'GH', 'ZZ', '', "SN' OR true --"]) {
      expect(await visible(senegal, tenant), `molam.tenant = ${tenant}`).toEqual(SN_ONLY);
    }
  });

  it('a reader in no country role sees nothing, whatever it sets', async () => {
    for (const tenant of [undefined, 'SN', 'CI']) expect(await visible(noCountry, tenant)).toEqual(NOTHING);
  });

  it('a reader cannot join another country role, nor write', async () => {
    await expect(senegal.query('SET ROLE molam_tenant_ci')).rejects.toThrow(/permission denied/);
    await expect(
      senegal.query(`INSERT INTO molam_audit_log (action, country) VALUES ('forged', 'SN')`),
    ).rejects.toThrow(/permission denied/);
  });

  it('a reader cannot fake its membership with a temporary pg_roles (pg_temp is searched before pg_catalog)', async () => {
    const seen = await senegal.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE pg_roles ON COMMIT DROP AS
        SELECT 'molam_tenant_ci'::name AS rolname, oid FROM pg_catalog.pg_roles WHERE rolname = 'molam_tenant_sn'`);
      const { rows } = await tx.query<{ country: string }>('SELECT country FROM molam_audit_log ORDER BY country');
      return rows.map((r) => r.country);
    });
    expect(seen).toEqual(['SN', 'SN']);
  });

  it('the service login still reads and writes every country, GH (no tenant role) included', async () => {
    expect(await visible(service)).toEqual({
      requests: ['CI', 'GH', 'SN', 'SN'],
      audit: ['CI', 'GH', 'SN', 'SN', null],
    });
    await service.query(`INSERT INTO molam_audit_log (action, country) VALUES ('reset.requested', 'KE')`);
    expect((await visible(service)).audit).toContain('KE');
    expect(await visible(senegal)).toEqual(SN_ONLY);
  });

  it("computes the reader's countries once per statement (an init-plan, not a per-row subplan)", async () => {
    const plan = await senegal.transaction(async (tx) => {
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT * FROM molam_audit_log');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/InitPlan/);
    expect(plan).not.toMatch(/SubPlan/);
  });

  it('an existing database is fixed in place: npm run migrate replaces the old policy that trusted molam.tenant', async () => {
    // The policy as main had it before this change.
    await owner.exec(`DROP POLICY molam_tenant_isolation ON molam_audit_log;
      CREATE POLICY molam_tenant_isolation ON molam_audit_log FOR SELECT TO molam_tenant_reader
        USING (country IS NOT NULL AND country::text = upper(current_setting('molam.tenant', true)))`);
    expect((await visible(noCountry, 'CI')).audit).toEqual(['CI']); // the hole, reproduced
    await owner.query(`DELETE FROM molam_schema_migrations WHERE name >= '015'`);
    expect((await runMigrations(owner)).applied).toContain('015_tenant_from_role.sql');
    expect(await visible(noCountry, 'CI')).toEqual(NOTHING);
    expect(await visible(senegal, 'CI')).toEqual(SN_ONLY);
  });
});
