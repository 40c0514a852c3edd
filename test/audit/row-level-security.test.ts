/**
 * Tenant (country) isolation by row-level security (sql/008, sql/015) on the
 * reset and audit tables, on the real PostgreSQL (fresh database, roles of its
 * own) and on the embedded PGlite. Connections run as the superuser, which RLS
 * never filters, so each check switches role inside its transaction. The
 * country comes from membership of molam_tenant_<cc>; molam.tenant is ignored.
 * (test/security/tenant-isolation.test.ts does the same with real logins.)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { ensureGroupRole } from '../support/database-logins.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../support/services.js';
import pg from 'pg';

async function seed(db: Database): Promise<void> {
  for (const country of ['SN', 'SN', 'CI']) {
    await db.query(
      `INSERT INTO molam_reset_requests (subject_digest, kind, channel, country, otp_hash, otp_expires_at)
       VALUES ($1, 'ussd_pin', 'ussd', $2, 'h', now() + interval '5 minutes')`,
      [randomUUID(), country],
    );
    await db.query(
      `INSERT INTO molam_audit_log (action, country, subject) VALUES ('reset.requested', $1, '+221*******01')`,
      [country],
    );
  }
  await db.query(`INSERT INTO molam_audit_log (action) VALUES ('reset.rate_limited')`); // no country: no tenant sees it
}

/** Countries visible in both tables to `role`, with molam.tenant = tenant (undefined: not set). */
async function visible(db: Database, role: string, tenant?: string) {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${role}`);
    if (tenant !== undefined) await tx.query(`SELECT set_config('molam.tenant', $1, true)`, [tenant]);
    const requests = await tx.query<{ country: string | null }>(
      'SELECT country FROM molam_reset_requests ORDER BY country',
    );
    const audit = await tx.query<{ country: string | null }>('SELECT country FROM molam_audit_log ORDER BY country');
    return { requests: requests.rows.map((r) => r.country), audit: audit.rows.map((r) => r.country) };
  });
}

interface Engine {
  db: Database;
  /** Creates a per-suite role (dropped at the end). */
  roles: (sql: string) => Promise<void>;
  /** Makes sure molam_tenant_sn and molam_tenant_ci exist (shared, cluster-wide on PostgreSQL). */
  groups: () => Promise<void>;
  close(): Promise<void>;
}

function isolationSuite(name: string, open: () => Promise<Engine>) {
  describe(`tenant isolation on ${name}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    const suffix = randomBytes(4).toString('hex');
    const backOffice = `t_backoffice_${suffix}`; // Senegal
    const ivorian = `t_backoffice_ci_${suffix}`;
    const service = `t_service_${suffix}`;

    beforeAll(async () => {
      let roles: (sql: string) => Promise<void>;
      let groups: () => Promise<void>;
      ({ db, roles, groups, close } = await open());
      await runMigrations(db);
      await seed(db);
      // Per-country back-office roles and a service role that does not own the tables.
      await groups();
      await roles(`CREATE ROLE ${backOffice} NOLOGIN IN ROLE molam_tenant_sn`);
      await roles(`CREATE ROLE ${ivorian} NOLOGIN IN ROLE molam_tenant_ci`);
      await roles(`CREATE ROLE ${service} NOLOGIN`);
      await db.exec(`GRANT SELECT, INSERT ON molam_reset_requests, molam_audit_log TO ${service};
                     GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${service}`);
    });
    afterAll(async () => {
      await close?.();
    });

    it('shows a tenant reader only the country of its role, in reset requests and audit', async () => {
      expect(await visible(db, backOffice)).toEqual({ requests: ['SN', 'SN'], audit: ['SN', 'SN'] });
      expect(await visible(db, ivorian)).toEqual({ requests: ['CI'], audit: ['CI'] });
      expect(await visible(db, 'molam_tenant_sn')).toEqual({ requests: ['SN', 'SN'], audit: ['SN', 'SN'] });
    });

    it('ignores molam.tenant: setting another country shows nothing more', async () => {
      for (const tenant of ['CI', 'ci', 'SN', '', 'ZZ']) {
        expect(await visible(db, backOffice, tenant)).toEqual({ requests: ['SN', 'SN'], audit: ['SN', 'SN'] });
      }
    });

    it('shows a reader in no country role nothing', async () => {
      expect(await visible(db, 'molam_tenant_reader')).toEqual({ requests: [], audit: [] });
      expect(await visible(db, 'molam_tenant_reader', 'SN')).toEqual({ requests: [], audit: [] });
    });

    it('lets a tenant reader read only, never write', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`SET LOCAL ROLE ${backOffice}`);
          await tx.query(`INSERT INTO molam_audit_log (action, country) VALUES ('reset.requested', 'SN')`);
        }),
      ).rejects.toThrow(/permission denied/);
    });

    it('keeps the service working: the owner and a non-owner service role see and write every country', async () => {
      const all = { requests: ['CI', 'SN', 'SN'], audit: ['CI', 'SN', 'SN', null] };
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM molam_reset_requests');
      expect(rows[0]!.n).toBe(3);
      expect(await visible(db, service)).toEqual(all);
      await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${service}`);
        await tx.query(`INSERT INTO molam_audit_log (action, country) VALUES ('reset.requested', 'GH')`);
      });
      expect((await visible(db, service)).audit).toContain('GH');
      expect((await visible(db, backOffice)).audit).not.toContain('GH');
    });
  });
}

isolationSuite('postgres', async () => {
  const test: TestDatabase = await createTestDatabase('rls');
  const db = createPostgresDatabase(test.url);
  const created: string[] = [];
  return {
    db,
    roles: async (sql) => {
      created.push(/CREATE ROLE (\S+)/.exec(sql)![1]!);
      await db.exec(sql);
    },
    groups: async () => {
      await ensureGroupRole('molam_tenant_sn', 'molam_tenant_reader');
      await ensureGroupRole('molam_tenant_ci', 'molam_tenant_reader');
    },
    async close() {
      await db.close();
      await test.drop();
      // Roles are cluster-wide: drop ours once the database that granted them is gone.
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      for (const role of created) await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    },
  };
});

isolationSuite('pglite', async () => {
  const db = await createPgliteDatabase();
  const groups = () =>
    db.exec(`CREATE ROLE molam_tenant_sn NOLOGIN IN ROLE molam_tenant_reader;
                                 CREATE ROLE molam_tenant_ci NOLOGIN IN ROLE molam_tenant_reader`);
  return { db, roles: (sql) => db.exec(sql), groups, close: () => db.close() };
});
