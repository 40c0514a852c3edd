/**
 * Real local services for integration tests: a fresh PostgreSQL database per
 * suite (dropped afterwards) and a unique Redis key prefix per suite.
 * Addresses can be overridden with TEST_PG_ADMIN_URL / TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const suffix = () => randomBytes(5).toString('hex');

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database; drop() removes it even if connections are left open. */
export async function createTestDatabase(label = 'reset'): Promise<TestDatabase> {
  const name = `t_${label}_${suffix()}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A Redis key prefix no other suite uses. */
export const uniqueRedisPrefix = (label = 'reset') => `test:${label}:${suffix()}:`;
