/**
 * The doctor's checks of PostgreSQL and Redis, as the guide's troubleshooting
 * does by hand (`psql $DATABASE_URL -c "SELECT NOW()"`, `redis-cli -u
 * $REDIS_URL PING`), plus what it cannot see: migrations applied, and Redis's
 * eviction policy.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { listMigrations } from '../db/migrations.js';
import { hostOf, isSet, reasonOf, within, type CheckResult, type DoctorEnv } from './check-result.js';

const TIMEOUT_MS = 3000;

export async function checkDatabase(env: DoctorEnv): Promise<CheckResult> {
  const name = 'database';
  if (!isSet(env.DATABASE_URL)) {
    return {
      name,
      status: 'fail',
      detail: 'DATABASE_URL (or DATABASE_URL_FILE) is not set',
      fix: 'set DATABASE_URL=postgres://user:password@host:5432/molam_id',
    };
  }
  const where = hostOf(env.DATABASE_URL);
  const client = new pg.Client({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: TIMEOUT_MS,
    query_timeout: TIMEOUT_MS,
  });
  try {
    await within(TIMEOUT_MS, client.connect());
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    const files = await listMigrations();
    const table = (await client.query<{ t: string | null }>("SELECT to_regclass('molam_schema_migrations')::text AS t"))
      .rows[0]!.t;
    const applied = new Set(
      table
        ? (await client.query<{ name: string }>('SELECT name FROM molam_schema_migrations')).rows.map((r) => r.name)
        : [],
    );
    const missing = files.filter((f) => !applied.has(f));
    if (missing.length === 0)
      return {
        name,
        status: 'ok',
        detail: `${where} reachable (PostgreSQL ${version}); all ${files.length} migrations applied`,
      };
    // With MIGRATE_ON_START (the default) the service applies them itself at start.
    const atStart = env.MIGRATE_ON_START !== 'false';
    return {
      name,
      status: atStart ? 'warn' : 'fail',
      detail: `${where} reachable (PostgreSQL ${version}); ${missing.length} of ${files.length} migrations not applied: ${missing.join(', ')}`,
      fix: atStart
        ? 'the service applies them at start (MIGRATE_ON_START=true); or run npm run migrate now'
        : 'run npm run migrate (MIGRATE_ON_START=false)',
    };
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: `${where} unreachable: ${reasonOf(err)}`,
      fix: 'check host, port, credentials and TLS of DATABASE_URL: psql "$DATABASE_URL" -c "SELECT now()"',
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Every key the service writes carries a TTL (locks, rate-limit counters, dialog
 * snapshots, hop replies), so volatile-* policies evict them as surely as allkeys-*:
 * an evicted lock runs a hop twice, an evicted counter resets a limit.
 */
function evictionFinding(policy: string, maxmemory: number): Pick<CheckResult, 'status' | 'detail' | 'fix'> {
  if (policy === 'noeviction') return { status: 'ok', detail: 'maxmemory-policy noeviction' };
  const why = `maxmemory-policy ${policy} would evict the service's locks and rate-limit counters under memory pressure (a hop run twice, a limit reset)`;
  const fix =
    "redis-cli CONFIG SET maxmemory-policy noeviction (and in redis.conf / your provider's parameter group); size maxmemory for the dialogs, not for eviction";
  return maxmemory === 0
    ? { status: 'warn', detail: `${why}, once a maxmemory is set (none now)`, fix }
    : { status: 'fail', detail: why, fix };
}

export async function checkRedis(env: DoctorEnv): Promise<CheckResult> {
  const name = 'redis';
  if (!isSet(env.REDIS_URL)) {
    return {
      name,
      status: 'fail',
      detail: 'REDIS_URL (or REDIS_URL_FILE) is not set',
      fix: 'set REDIS_URL=redis://:password@host:6379 (rediss:// for TLS)',
    };
  }
  const where = hostOf(env.REDIS_URL);
  const redis = new Redis(env.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined); // reported below, once
  try {
    await within(TIMEOUT_MS, redis.connect());
    await within(TIMEOUT_MS, redis.ping());
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    let config: string[];
    try {
      config = [
        ...((await redis.config('GET', 'maxmemory-policy')) as string[]),
        ...((await redis.config('GET', 'maxmemory')) as string[]),
      ];
    } catch {
      return {
        name,
        status: 'warn',
        detail: `${where} reachable (Redis ${version}); CONFIG GET refused, eviction policy unknown`,
        fix: "check that maxmemory-policy is noeviction in your provider's settings",
      };
    }
    const settings = Object.fromEntries([
      [config[0], config[1]],
      [config[2], config[3]],
    ]) as Record<string, string>;
    const finding = evictionFinding(settings['maxmemory-policy'] ?? '?', Number(settings.maxmemory ?? 0));
    return { name, ...finding, detail: `${where} reachable (Redis ${version}); ${finding.detail}` };
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: `${where} unreachable: ${reasonOf(err)}`,
      fix: 'check host, port, password and TLS of REDIS_URL: redis-cli -u "$REDIS_URL" PING',
    };
  } finally {
    redis.disconnect();
  }
}
