/**
 * Non-superuser LOGIN roles on the real PostgreSQL, for tests of the role
 * split (sql/013–015). They are needed because pg_has_role() is true for a
 * superuser, and the tests otherwise connect as postgres. Roles are
 * cluster-wide: logins get a unique name per suite and are dropped at the end;
 * shared group roles (molam_tenant_sn, ...) are created idempotently.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_ADMIN_URL } from './services.js';

const identifier = /^[a-z_][a-z0-9_]*$/;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a NOLOGIN group role unless it exists; safe when suites race each other. */
export async function ensureGroupRole(name: string, memberOf?: string): Promise<void> {
  if (!identifier.test(name) || (memberOf && !identifier.test(memberOf))) throw new Error(`bad role name ${name}`);
  await admin((c) =>
    c.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN
      CREATE ROLE ${name} NOLOGIN${memberOf ? ` IN ROLE ${memberOf}` : ''};
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END $$`),
  );
}

/** Per-suite LOGIN roles; urlFor() gives a connection string to `databaseUrl` as that login (trust auth). */
export function createDatabaseLogins(databaseUrl: string) {
  const suffix = randomBytes(4).toString('hex');
  const created: string[] = [];
  return {
    /** CREATE ROLE t_<label>_<suffix> LOGIN IN ROLE <memberOf...>; returns the role name. */
    async create(label: string, memberOf: string[]): Promise<string> {
      const name = `t_${label}_${suffix}`;
      if (![name, ...memberOf].every((r) => identifier.test(r)))
        throw new Error(`bad role name in ${name}, ${memberOf}`);
      await admin((c) =>
        c.query(`CREATE ROLE ${name} LOGIN${memberOf.length ? ` IN ROLE ${memberOf.join(', ')}` : ''}`),
      );
      created.push(name);
      return name;
    },
    urlFor(role: string): string {
      const url = new URL(databaseUrl);
      url.username = role;
      url.password = '';
      return url.toString();
    },
    /** Drops the logins (after their databases and pools are closed). */
    async dropAll(): Promise<void> {
      await admin(async (c) => {
        for (const role of created.splice(0)) await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
    },
  };
}
