/**
 * Tenant (country) isolation by row-level security (sql/008) on the reset and
 * audit tables, on the real PostgreSQL (fresh database, roles of its own) and
 * on the embedded PGlite. Connections run as the superuser, which RLS never
 * filters, so each check switches role inside its transaction.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../support/services.js';
import pg from 'pg';

async function seed(db: Database): Promise<void> {
  for (const country of ['SN', 'SN', 'CI']) {
    await db.query(
      `INSERT INTO molam_reset_requests (subject_digest, kind, channel, country, otp_hash, otp_expires_at)
       VALUES ($1, 'ussd_pin', 'ussd', $2, 'h', now() + interval '5 minutes')`, [randomUUID(), country]);
    await db.query(`INSERT INTO molam_audit_log (action, country, subject) VALUES ('reset.requested', $1, '+221*******01')`, [country]);
  }
  await db.query(`INSERT INTO molam_audit_log (action) VALUES ('reset.rate_limited')`); // no country: no tenant sees it
}

/** Countries visible in both tables to `role`, with molam.tenant = tenant (undefined: not set). */
async function visible(db: Database, role: string, tenant?: string) {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${role}`);
    if (tenant !== undefined) await tx.query(`SELECT set_config('molam.tenant', $1, true)`, [tenant]);
    const requests = await tx.query<{ country: string | null }>('SELECT country FROM molam_reset_requests ORDER BY country');
    const audit = await tx.query<{ country: string | null }>('SELECT country FROM molam_audit_log ORDER BY country');
    return { requests: requests.rows.map((r) => r.country), audit: audit.rows.map((r) => r.country) };
  });
}

function isolationSuite(name: string, open: () => Promise<{ db: Database; roles: (sql: string) => Promise<void>; close(): Promise<void> }>) {
  describe(`tenant isolation on ${name}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    const suffix = randomBytes(4).toString('hex');
    const backOffice = `t_backoffice_${suffix}`;
    const service = `t_service_${suffix}`;

    beforeAll(async () => {
      let roles: (sql: string) => Promise<void>;
      ({ db, roles, close } = await open());
      await runMigrations(db);
      await seed(db);
      // A per-country back-office login (a member of the reader role) and a service role that does not own the tables.
      await roles(`CREATE ROLE ${backOffice} NOLOGIN IN ROLE molam_tenant_reader`);
      await roles(`CREATE ROLE ${service} NOLOGIN`);
      await db.exec(`GRANT SELECT, INSERT ON molam_reset_requests, molam_audit_log TO ${service};
                     GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${service}`);
    });
    afterAll(async () => {
      await close?.();
    });

    it('shows a tenant reader only its own country, in reset requests and audit', async () => {
      expect(await visible(db, 'molam_tenant_reader', 'SN')).toEqual({ requests: ['SN', 'SN'], audit: ['SN', 'SN'] });
      expect(await visible(db, backOffice, 'CI')).toEqual({ requests: ['CI'], audit: ['CI'] });
      expect(await visible(db, backOffice, 'sn')).toEqual({ requests: ['SN', 'SN'], audit: ['SN', 'SN'] });
    });

    it('shows a tenant reader nothing when no tenant is set, or an empty one', async () => {
      expect(await visible(db, backOffice)).toEqual({ requests: [], audit: [] });
      expect(await visible(db, backOffice, '')).toEqual({ requests: [], audit: [] });
    });

    it('lets a tenant reader read only, never write', async () => {
      await expect(db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${backOffice}`);
        await tx.query(`SELECT set_config('molam.tenant', 'SN', true)`);
        await tx.query(`INSERT INTO molam_audit_log (action, country) VALUES ('reset.requested', 'SN')`);
      })).rejects.toThrow(/permission denied/);
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
      expect((await visible(db, backOffice, 'SN')).audit).not.toContain('GH');
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
  return { db, roles: (sql) => db.exec(sql), close: () => db.close() };
});
