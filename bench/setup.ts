/** Build, fresh database with demo users, Redis prefix, and the child servers' environments. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createPostgresDatabase } from '../src/db/database.js';
import { runMigrations } from '../src/db/migrations.js';
import { createSecretHasher } from '../src/security/secret-hasher.js';
import { ROOT } from './lib.js';

export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The PIN every demo user has now (so the new one is checked against it: one more bcrypt). */
export const CURRENT_PIN = '739164';

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = path.join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }, 0);

/**
 * dist/server.js as `npm start` runs it: rebuilt with `npm run build` when
 * missing or older than a source file. If the build fails (a type error in
 * work in progress) an existing dist/ is used and the result says so.
 * The bench's own servers are bundled with the options of scripts/build.mjs.
 */
export async function buildAll(): Promise<string> {
  const dist = path.join(ROOT, 'dist/server.js');
  const sources = Math.max(...['src', 'gateways', 'machines'].map((d) => newest(path.join(ROOT, d))));
  let status = 'fresh';
  if (!existsSync(dist) || statSync(dist).mtimeMs < sources) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    status = r.status === 0 ? 'rebuilt' : 'STALE (npm run build failed: work in progress in src/?)';
    if (r.status !== 0)
      process.stderr.write(
        `${(r.stdout + r.stderr)
          .split('\n')
          .filter((l) => l.includes('error'))
          .slice(0, 5)
          .join('\n')}\n`,
      );
    if (!existsSync(dist)) spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  }
  await build({
    entryPoints: ['instrumented-server', 'baseline-server', 'peer-server'].map((n) => path.join(ROOT, `bench/${n}.ts`)),
    outdir: path.join(ROOT, 'bench/.build'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  return status;
}

export interface Env {
  dbName: string;
  dbUrl: string;
  prefix: string;
  secrets: { PEPPER: string; JWT_RESET_SECRET: string; AT_WEBHOOK_TOKEN: string };
  /** Process ids of the Postgres backends connected to the bench database. */
  backendPids(): Promise<number[]>;
  drop(): Promise<void>;
}

/** Fresh database (migrated; `users` Senegal demo users +22177nnnnnnn and `extra` ones, all with a PIN), unique Redis prefix. */
export async function createEnv(users: number, extra: { phone: string; country: string }[]): Promise<Env> {
  const hex = randomBytes(5).toString('hex');
  const dbName = `bench_${hex}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const secrets = {
    PEPPER: randomBytes(24).toString('hex'),
    JWT_RESET_SECRET: randomBytes(24).toString('hex'),
    AT_WEBHOOK_TOKEN: randomBytes(16).toString('hex'),
  };
  const db = createPostgresDatabase(url.toString());
  try {
    await runMigrations(db);
    const pinHash = await createSecretHasher({ pepper: secrets.PEPPER, cost: 12 }).hash(CURRENT_PIN);
    await db.query(
      `INSERT INTO molam_users (phone_e164, language, country, pin_hash)
       SELECT '+22177' || lpad(i::text, 7, '0'), 'fr', 'SN', $1 FROM generate_series(0, $2::int - 1) i`,
      [pinHash, users],
    );
    await db.query(
      `INSERT INTO molam_users (phone_e164, language, country, pin_hash) SELECT p, 'fr', c, $3 FROM unnest($1::text[], $2::text[]) AS x(p, c)`,
      [extra.map((u) => u.phone), extra.map((u) => u.country), pinHash],
    );
    await db.query('ANALYZE molam_users');
  } finally {
    await db.close();
  }
  const monitor = new pg.Client({ connectionString: PG_ADMIN_URL });
  await monitor.connect();
  return {
    dbName,
    dbUrl: url.toString(),
    prefix: `bench:${hex}:`,
    secrets,
    backendPids: async () =>
      (await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName])).rows.map(
        (r) => r.pid,
      ),
    async drop() {
      await monitor.end();
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Production settings; SMS go to Africa's Talking's API at `atBaseUrl` (the bench's loopback fake). */
export const serviceEnv = (env: Env, port: number, atBaseUrl: string): Record<string, string> => ({
  AT_USERNAME: 'molam-bench',
  AT_API_KEY: 'bench-not-a-real-key',
  AT_API_BASE_URL: atBaseUrl,
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: String(port),
  LOG_LEVEL: 'warn',
  TRUST_PROXY: 'true',
  DATABASE_URL: env.dbUrl,
  REDIS_URL,
  REDIS_KEY_PREFIX: `${env.prefix}svc:`,
  DEFAULT_COUNTRY: 'SN',
  ...env.secrets,
});

export async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, `${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return keys.length;
}
