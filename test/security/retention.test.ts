/**
 * Item 18: reset requests (decoys above all), outbound-message records and
 * published outbox events no longer grow forever. Real PostgreSQL (a fresh
 * database per suite), the real purge, the real CLI, and the real service
 * whose in-process job purges at start and decoys made over HTTP.
 */
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createPostgresDatabase, type Database, type Transaction } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { createLogger } from '../../src/logger.js';
import { createPurgeJob } from '../../src/retention/purge-job.js';
import { purgeExpiredRows, type RetentionPolicy } from '../../src/retention/purge.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { startTestService } from '../support/test-service.js';

const POLICY: RetentionPolicy = { resetRequestDays: 90, outboundMessageDays: 30, outboxDays: 7 };
const NOTHING = { decoyRequests: 0, resetRequests: 0, outboundMessages: 0, outboxEvents: 0, yielded: false };

const databases: TestDatabase[] = [];
const pools: Database[] = [];
afterAll(async () => {
  await Promise.allSettled(pools.map((p) => p.close()));
  await Promise.allSettled(databases.map((d) => d.drop()));
});

async function freshDatabase(): Promise<{ db: Database; url: string }> {
  const test = await createTestDatabase('retention');
  databases.push(test);
  const db = createPostgresDatabase(test.url);
  pools.push(db);
  await runMigrations(db);
  return { db, url: test.url };
}

/** Rows of every kind, old and young, tagged so the test can tell which survived. */
async function seed(db: Database) {
  const user = (
    await db.query<{ id: string }>(`INSERT INTO molam_users (phone_e164, country) VALUES ($1, 'SN') RETURNING id`, [
      `+22177${randomInt(1e6, 1e7)}`,
    ])
  ).rows[0]!.id;
  const request = (tag: string, userId: string | null, createdDaysAgo: number, expiresDaysAgo: number) =>
    db.query(
      `INSERT INTO molam_reset_requests (user_id, subject_digest, kind, channel, country, otp_hash, otp_expires_at, status, created_at)
     VALUES ($1, $2, 'password', 'sms', 'SN', 'h', now() - $4::float8 * interval '1 day', 'completed', now() - $3::float8 * interval '1 day')`,
      [userId, tag, createdDaysAgo, expiresDaysAgo],
    );
  await request('old-real', user, 91, 91);
  await request('young-real', user, 30, 30); // still counted by the 30-day reset cap
  await request('old-decoy', null, 2, 2);
  await request('fresh-decoy', null, 0, -0.003); // code still live
  await request('decoy-expired-an-hour-ago', null, 0.05, 0.04);

  const message = async (tag: string, daysAgo: number, failoverOf?: string) =>
    (
      await db.query<{ id: string }>(
        `INSERT INTO molam_outbound_messages (provider, provider_message_id, channel, purpose, recipient, sent_at, failover_of)
     VALUES ('africastalking', $1, 'sms', 'otp', '+221*******01', now() - $2::float8 * interval '1 day', $3::bigint) RETURNING id::text AS id`,
        [tag, daysAgo, failoverOf ?? null],
      )
    ).rows[0]!.id;
  const replaced = await message('old-sms', 31);
  await message('young-failover-of-old-sms', 29, replaced); // its reference must not block the delete

  const event = (tag: string, createdDaysAgo: number, publishedDaysAgo: number | null) =>
    db.query(
      `INSERT INTO molam_outbox (id, event_type, payload, created_at, published_at)
     VALUES ($1, $2, '{}', now() - $3::float8 * interval '1 day', now() - $4::float8 * interval '1 day')`,
      [randomUUID(), tag, createdDaysAgo, publishedDaysAgo],
    );
  await event('old-published', 8, 8);
  await event('old-unpublished', 60, null); // the broker was away: never purged before it is sent
  await event('young-published', 1, 1);

  await db.query(
    `INSERT INTO molam_audit_log (occurred_at, action) VALUES (now() - interval '200 days', 'reset.requested')`,
  );
}

async function survivors(db: Database) {
  const list = async (sql: string) => (await db.query<{ tag: string }>(sql)).rows.map((r) => r.tag).sort();
  return {
    requests: await list('SELECT subject_digest AS tag FROM molam_reset_requests'),
    messages: await list('SELECT provider_message_id AS tag FROM molam_outbound_messages'),
    events: await list('SELECT event_type AS tag FROM molam_outbox'),
    audit: (await db.query('SELECT 1 FROM molam_audit_log')).rows.length,
  };
}

const SURVIVORS = {
  requests: ['decoy-expired-an-hour-ago', 'fresh-decoy', 'young-real'],
  messages: ['young-failover-of-old-sms'],
  events: ['old-unpublished', 'young-published'],
  audit: 1, // the audit log leaves only through npm run audit:archive
};

/** The same database, recording how many rows each DELETE statement removed. */
function countingDeletes(db: Database, counts: number[]): Database {
  const wrap = (tx: Transaction): Transaction => ({
    ...tx,
    query: async <R>(text: string, params?: readonly unknown[]) => {
      const result = await tx.query<R>(text, params);
      if (text.trimStart().startsWith('DELETE')) counts.push(result.rowCount);
      return result;
    },
  });
  return { ...db, transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

/** 2,000 decoys whose codes expired two days ago: what 7 s of made-up numbers leave behind. */
const insertDecoys = (db: Database, n: number) =>
  db.query(
    `INSERT INTO molam_reset_requests (subject_digest, kind, channel, country, otp_hash, otp_expires_at, created_at)
   SELECT 'decoy-' || g, 'ussd_pin', 'ussd', 'CI', 'h', now() - interval '2 days', now() - interval '2 days'
     FROM generate_series(1, $1) g`,
    [n],
  );

describe('item 18: the purge keeps the tables bounded', () => {
  let db: Database;
  beforeAll(async () => {
    ({ db } = await freshDatabase());
    await seed(db);
  });

  it('deletes old rows of each kind and keeps young ones, unpublished events and the audit log', async () => {
    expect(await purgeExpiredRows(db, POLICY)).toEqual({
      decoyRequests: 1,
      resetRequests: 1,
      outboundMessages: 1,
      outboxEvents: 1,
      yielded: false,
    });
    expect(await survivors(db)).toEqual(SURVIVORS);
    const failover = await db.query<{ failover_of: string | null }>('SELECT failover_of FROM molam_outbound_messages');
    expect(failover.rows).toEqual([{ failover_of: null }]);
  });

  it('is idempotent: a second run deletes nothing more', async () => {
    expect(await purgeExpiredRows(db, POLICY)).toEqual(NOTHING);
    expect(await survivors(db)).toEqual(SURVIVORS);
  });
});

describe('item 18: batches and concurrency', () => {
  it('deletes a backlog of 2,000 decoys 1,000 rows per statement', async () => {
    const { db } = await freshDatabase();
    await insertDecoys(db, 2000);
    const counts: number[] = [];
    const started = performance.now();
    const result = await purgeExpiredRows(countingDeletes(db, counts), POLICY);
    const ms = performance.now() - started;
    expect(result.decoyRequests).toBe(2000);
    expect(counts.slice(0, 3)).toEqual([1000, 1000, 0]);
    expect(Math.max(...counts)).toBeLessThanOrEqual(1000);
    console.info(`purged 2,000 decoys in ${ms.toFixed(0)} ms (${counts.length} DELETE statements)`);
  });

  it('two concurrent runs neither fail nor delete a row twice', async () => {
    const { db, url } = await freshDatabase();
    await seed(db);
    await insertDecoys(db, 600);
    const other = createPostgresDatabase(url);
    pools.push(other);
    const [a, b] = await Promise.all([purgeExpiredRows(db, POLICY, 50), purgeExpiredRows(other, POLICY, 50)]);
    expect(a.decoyRequests + b.decoyRequests).toBe(601);
    for (const kind of ['resetRequests', 'outboundMessages', 'outboxEvents'] as const)
      expect(a[kind] + b[kind]).toBe(1);
    expect(await survivors(db)).toEqual(SURVIVORS);
    expect(await purgeExpiredRows(db, POLICY, 50)).toEqual(NOTHING);
  });
});

describe('item 18: the in-process job', () => {
  /** A fresh database holding `decoys` expired decoys, and a purge job on it (not started) whose runs are counted from its log lines. */
  async function jobOverDecoys(decoys: number, intervalMs: number) {
    const { db } = await freshDatabase();
    await insertDecoys(db, decoys);
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const job = createPurgeJob({ db, policy: POLICY, intervalMs, logger });
    return { db, job, runs: () => lines.filter((l) => l.includes('"msg":"retention purge"')).length };
  }

  it('runs once at start, then every interval, and stops on close', async () => {
    const { db, job, runs } = await jobOverDecoys(10, 150);
    job.start();
    job.start(); // a second start does not add a second timer
    await expect.poll(runs, { timeout: 2000 }).toBeGreaterThanOrEqual(1);
    expect((await db.query('SELECT 1 FROM molam_reset_requests')).rows).toHaveLength(0);
    await expect.poll(runs, { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    await job.close();
    const after = runs();
    await new Promise((r) => setTimeout(r, 400));
    expect(runs()).toBe(after);
  });

  it('does not run on its own when the interval is 0 (purge by npm run purge instead)', async () => {
    const { job, runs } = await jobOverDecoys(3, 0);
    job.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(runs()).toBe(0);
    expect((await job.runNow()).decoyRequests).toBe(3);
  });

  it('the service purges at start, and the decoys an attacker makes over HTTP go a day after they expire', async () => {
    const { db, url } = await freshDatabase();
    await seed(db);
    const svc = await startTestService({ env: { DATABASE_URL: url } });
    try {
      await expect.poll(async () => (await survivors(db)).requests, { timeout: 5000 }).toEqual(SURVIVORS.requests);
      expect(await survivors(db)).toEqual(SURVIVORS);

      for (let i = 0; i < 20; i += 1) {
        const res = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: `+22507${randomInt(1e7, 1e8)}` });
        expect(res.status).toBe(202);
      }
      await svc.app.settle();
      const decoys = `SELECT 1 FROM molam_reset_requests WHERE user_id IS NULL AND subject_digest NOT LIKE '%decoy%'`;
      expect((await db.query(decoys)).rows).toHaveLength(20);
      expect((await svc.app.purge.runNow()).decoyRequests).toBe(0); // codes still live: they stay
      await db.query(
        `UPDATE molam_reset_requests SET otp_expires_at = otp_expires_at - interval '25 hours' WHERE user_id IS NULL`,
      );
      expect((await svc.app.purge.runNow()).decoyRequests).toBe(22);
      expect((await db.query(decoys)).rows).toHaveLength(0);
    } finally {
      await svc.stop();
    }
  });
});

describe('item 18: npm run purge and its settings', () => {
  const run = promisify(execFile);

  it('purges with the configured retention and prints the counts; a second run prints zeros', async () => {
    const { db, url } = await freshDatabase();
    await seed(db);
    const purge = () =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/purge.ts'], {
        env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'development', OUTBOX_RETENTION_DAYS: '1' },
        cwd: process.cwd(),
      });
    expect(JSON.parse((await purge()).stdout)).toEqual({
      decoyRequests: 1,
      resetRequests: 1,
      outboundMessages: 1,
      outboxEvents: 2,
      yielded: false,
    });
    expect(JSON.parse((await purge()).stdout)).toEqual(NOTHING);
  });

  it('refuses a reset-request retention under 31 days (the 30-day reset cap counts those rows)', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', RESET_REQUEST_RETENTION_DAYS: '30' })).toThrow(ConfigError);
    expect(loadConfig({ NODE_ENV: 'test' }).retention).toEqual({
      resetRequestDays: 90,
      outboundMessageDays: 30,
      outboxDays: 7,
      purgeIntervalHours: 24,
    });
  });
});
