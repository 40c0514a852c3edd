/**
 * Audit archiving on the real PostgreSQL (a fresh database per test) and on
 * the embedded PGlite, writing real files to a temp directory; the CLI is run
 * as the operator runs it (tsx src/cli/audit-archive.ts).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveAuditLog } from '../../src/audit/archive.js';
import { parseAge, parseArchiveArgs } from '../../src/audit/archive-args.js';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(): Promise<{ db: Database; dir: string; test: TestDatabase }> {
  const test = await createTestDatabase('archive');
  const db = createPostgresDatabase(test.url);
  await runMigrations(db);
  const dir = await mkdtemp(path.join(tmpdir(), 'molam-audit-'));
  cleanups.push(
    () => test.drop(),
    () => db.close(),
    () => rm(dir, { recursive: true, force: true }),
  );
  return { db, dir, test };
}

/** Audit rows as the services write them (subject already masked), `daysAgo` old. */
async function insertRows(db: Database, n: number, daysAgo: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO molam_audit_log (occurred_at, action, outcome, user_id, kind, channel, country, subject, actor_ip, details)
       VALUES (now() - make_interval(days => $1), 'reset.code_failed', 'invalid', gen_random_uuid(), 'ussd_pin', 'ussd', 'SN',
               '+221*******0' || $2, '198.51.100.4', '{"attemptsLeft": 3}')
       RETURNING id::text AS id`,
      [daysAgo, String(i % 10)],
    );
    ids.push(rows[0]!.id);
  }
  return ids;
}

const DAY = 86_400_000;
const days90 = 90 * DAY;
const idsIn = async (db: Database) =>
  (await db.query<{ id: string }>('SELECT id::text AS id FROM molam_audit_log ORDER BY id')).rows.map((r) => r.id);
const linesOf = async (file: string) =>
  gunzipSync(await readFile(file))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('audit archive', () => {
  it('moves rows older than the cutoff to one gzip NDJSON file, masked as stored, and deletes exactly those', async () => {
    const { db, dir } = await setup();
    const old = await insertRows(db, 5, 100);
    const recent = await insertRows(db, 2, 10);
    const result = await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 });

    expect(result).toMatchObject({ archived: 5, fromId: old[0], toId: old[4], resumed: false });
    expect(path.basename(result.file!)).toBe(
      `molam_audit_${old[0]!.padStart(12, '0')}-${old[4]!.padStart(12, '0')}.ndjson.gz`,
    );
    expect(await readdir(dir)).toEqual([path.basename(result.file!)]); // no temp file left behind
    const lines = await linesOf(result.file!);
    expect(lines.map((l) => l.id)).toEqual(old);
    expect(lines[0]).toMatchObject({
      action: 'reset.code_failed',
      subject: '+221*******00',
      actor_ip: '198.51.100.4',
      details: { attemptsLeft: 3 },
    });
    expect(lines[0].occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(await idsIn(db)).toEqual(recent);
    const manifest = (
      await db.query<{ status: string; sha256: string; row_count: number }>(
        'SELECT status, sha256, row_count FROM molam_audit_archives',
      )
    ).rows;
    expect(manifest).toEqual([
      {
        status: 'archived',
        row_count: 5,
        sha256: createHash('sha256')
          .update(await readFile(result.file!))
          .digest('hex'),
      },
    ]);
  });

  it('archives nothing twice: a second run finds nothing old enough', async () => {
    const { db, dir } = await setup();
    await insertRows(db, 3, 100);
    await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 });
    expect(await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 })).toEqual({ archived: 0, resumed: false });
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('after a crash between the file and the delete, finishes that same range before taking newer rows', async () => {
    const { db, dir } = await setup();
    const first = await insertRows(db, 3, 100);
    const crash = async () => {
      throw new Error('killed');
    };
    await expect(archiveAuditLog({ db, outDir: dir, olderThanMs: days90, afterFileWritten: crash })).rejects.toThrow(
      'killed',
    );
    expect(await idsIn(db)).toEqual(first); // nothing deleted
    const later = await insertRows(db, 2, 95);

    const resumed = await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 });
    expect(resumed).toMatchObject({ archived: 3, resumed: true, fromId: first[0], toId: first[2] });
    const next = await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 });
    expect(next).toMatchObject({ archived: 2, resumed: false, fromId: later[0] });

    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    const archivedIds = (await Promise.all(files.map((f) => linesOf(path.join(dir, f))))).flat().map((l) => l.id);
    expect(archivedIds.sort()).toEqual([...first, ...later].sort());
    expect(await idsIn(db)).toEqual([]);
  });

  it('deletes nothing when a row appears in the range after the file was written, and gets it on the next run', async () => {
    const { db, dir } = await setup();
    const ids = await insertRows(db, 3, 100);
    // Leave a gap in the ids, then a row after it: the planned range spans the gap.
    await db.query(`SELECT setval(pg_get_serial_sequence('molam_audit_log', 'id'), $1)`, [
      String(BigInt(ids[0]!) + 200n),
    ]);
    await insertRows(db, 1, 100);
    const straggler = async () => {
      // A late commit inside the planned range (a long transaction took its id earlier): possible with identity columns.
      await db.query(
        `INSERT INTO molam_audit_log (id, occurred_at, action) OVERRIDING SYSTEM VALUE
                      VALUES ($1, now() - interval '100 days', 'reset.requested')`,
        [String(BigInt(ids[0]!) + 100n)],
      );
    };
    await expect(
      archiveAuditLog({ db, outDir: dir, olderThanMs: days90, afterFileWritten: straggler }),
    ).rejects.toThrow(/nothing deleted/);
    expect(await idsIn(db)).toHaveLength(5);
    const again = await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 });
    expect(again).toMatchObject({ archived: 5, resumed: true });
    expect(await linesOf(again.file!)).toHaveLength(5);
  });

  it('leaves the append-only guard in place: rows younger than 90 days cannot be deleted, even by the superuser', async () => {
    const { db, dir } = await setup();
    await insertRows(db, 1, 100);
    await insertRows(db, 1, 89);
    expect(await archiveAuditLog({ db, outDir: dir, olderThanMs: 200 * DAY })).toEqual({ archived: 0, resumed: false });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`SET LOCAL molam.audit_archiving = 'on'`); // the old bypass: means nothing now
        await tx.query('DELETE FROM molam_audit_log');
      }),
    ).rejects.toThrow(/append-only/);
    expect(await idsIn(db)).toHaveLength(2);
  });

  it('refuses an age under the 90-day retention before writing anything', async () => {
    const { db, dir } = await setup();
    await insertRows(db, 2, 60);
    await expect(archiveAuditLog({ db, outDir: dir, olderThanMs: 30 * DAY })).rejects.toThrow(/kept 90 days/);
    expect(await readdir(dir)).toEqual([]);
    expect((await db.query('SELECT 1 FROM molam_audit_archives')).rows).toEqual([]);
  });

  it('runs on the embedded PGlite too', async () => {
    const db = await createPgliteDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), 'molam-audit-'));
    cleanups.push(
      () => db.close(),
      () => rm(dir, { recursive: true, force: true }),
    );
    await runMigrations(db);
    await insertRows(db, 4, 100);
    await insertRows(db, 1, 1);
    expect(await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 })).toMatchObject({ archived: 4 });
    expect(await archiveAuditLog({ db, outDir: dir, olderThanMs: days90 })).toMatchObject({ archived: 0 });
    expect(await idsIn(db)).toHaveLength(1);
  });
});

describe('npm run audit:archive', () => {
  const run = promisify(execFile);
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/audit-archive.ts', ...args], {
      env: { ...process.env, ...env },
      cwd: process.cwd(),
    });

  it('archives with --older-than 90d --out <dir> and prints what it did', async () => {
    const { db, dir, test } = await setup();
    await insertRows(db, 2, 120);
    const { stdout } = await cli(['--older-than', '90d', '--out', dir], {
      DATABASE_URL: test.url,
      NODE_ENV: 'development',
    });
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ archived: 2, resumed: false });
    expect(Date.now() - Date.parse(printed.cutoff)).toBeGreaterThanOrEqual(days90);
    expect(await idsIn(db)).toEqual([]);
  });

  it('refuses an age under the retention the trigger enforces, and missing or malformed arguments', async () => {
    const { dir, test } = await setup();
    await expect(
      cli(['--older-than', '30d', '--out', dir], { DATABASE_URL: test.url, NODE_ENV: 'development' }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/kept 90 days/) });
    expect(() => parseArchiveArgs(['--out', 'x'])).toThrow(/usage/);
    expect(parseAge('90d')).toBe(90 * 86_400_000);
    expect(parseAge('12w')).toBe(84 * 86_400_000);
    expect(() => parseAge('90 days')).toThrow(/unit/);
  });
});
