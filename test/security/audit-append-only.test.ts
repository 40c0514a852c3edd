/**
 * Item 15: the audit log cannot be emptied or rewritten by the service, and
 * the archive runs as its own role. Real PostgreSQL (fresh database), real
 * non-superuser LOGIN roles (a superuser passes every role check), the real
 * CLI, and the real service logged in as the service role.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations, SQL_DIR } from '../../src/db/migrations.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { createDatabaseLogins } from '../support/database-logins.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { startTestService } from '../support/test-service.js';

let test: TestDatabase;
let owner: Database; // the superuser that ran the migrations: owns every table
let service: Database;
let archiver: Database;
let logins: ReturnType<typeof createDatabaseLogins>;
let serviceUrl: string;
let archiverUrl: string;

/** One audit row `daysAgo` old, inserted by the owner; returns its id. */
async function auditRow(daysAgo: number): Promise<string> {
  const { rows } = await owner.query<{ id: string }>(
    `INSERT INTO molam_audit_log (occurred_at, action, country) VALUES (now() - make_interval(days => $1), 'reset.requested', 'SN')
     RETURNING id::text AS id`,
    [daysAgo],
  );
  return rows[0]!.id;
}
const exists = async (id: string) =>
  (await owner.query('SELECT 1 FROM molam_audit_log WHERE id = $1', [id])).rows.length === 1;

/** A DELETE in one transaction, after the setting that used to open the trigger. */
const deleteWithOldBypass = (db: Database, id: string) =>
  db.transaction(async (tx) => {
    await tx.query(`SET LOCAL molam.audit_archiving = 'on'`);
    return tx.query('DELETE FROM molam_audit_log WHERE id = $1', [id]);
  });

beforeAll(async () => {
  test = await createTestDatabase('audit_roles');
  owner = createPostgresDatabase(test.url);
  await runMigrations(owner);
  logins = createDatabaseLogins(test.url);
  serviceUrl = logins.urlFor(await logins.create('svc', ['molam_service']));
  archiverUrl = logins.urlFor(await logins.create('arch', ['molam_audit_archiver']));
  service = createPostgresDatabase(serviceUrl);
  archiver = createPostgresDatabase(archiverUrl);
});

afterAll(async () => {
  await Promise.allSettled([service?.close(), archiver?.close(), owner?.close()]);
  await test?.drop();
  await logins?.dropAll();
});

describe('item 15: no session can bypass the append-only audit log', () => {
  it('the service login appends and reads, and can neither update nor delete, with or without the old setting', async () => {
    const old = await auditRow(200);
    const young = await auditRow(1);
    await service.query(`INSERT INTO molam_audit_log (action) VALUES ('reset.requested')`);
    expect((await service.query('SELECT id FROM molam_audit_log')).rows.length).toBeGreaterThanOrEqual(3);

    for (const id of [old, young]) {
      await expect(deleteWithOldBypass(service, id)).rejects.toThrow(/permission denied/);
      await expect(service.query('DELETE FROM molam_audit_log WHERE id = $1', [id])).rejects.toThrow(
        /permission denied/,
      );
      await expect(service.query(`UPDATE molam_audit_log SET action = 'x' WHERE id = $1`, [id])).rejects.toThrow(
        /permission denied/,
      );
      expect(await exists(id)).toBe(true);
    }
    await expect(service.query('TRUNCATE molam_audit_log')).rejects.toThrow(/permission denied/);
    await expect(service.query('SELECT 1 FROM molam_audit_archives')).rejects.toThrow(/permission denied/);
  });

  it('not even the superuser deletes a row younger than 90 days, whatever it sets; TRUNCATE and UPDATE are refused', async () => {
    const young = await auditRow(89);
    await expect(deleteWithOldBypass(owner, young)).rejects.toThrow(/append-only/);
    await expect(owner.query(`UPDATE molam_audit_log SET action = 'x' WHERE id = $1`, [young])).rejects.toThrow(
      /append-only/,
    );
    await expect(owner.query('TRUNCATE molam_audit_log')).rejects.toThrow(/append-only/);
    expect(await exists(young)).toBe(true);
  });

  it('the archiver login deletes rows older than 90 days only, and cannot write or rewrite any', async () => {
    const old = await auditRow(91);
    const young = await auditRow(89);
    await expect(archiver.query('DELETE FROM molam_audit_log WHERE id = $1', [young])).rejects.toThrow(/append-only/);
    await expect(archiver.query(`UPDATE molam_audit_log SET action = 'x' WHERE id = $1`, [old])).rejects.toThrow(
      /permission denied/,
    );
    await expect(archiver.query(`INSERT INTO molam_audit_log (action) VALUES ('forged')`)).rejects.toThrow(
      /permission denied/,
    );
    expect((await archiver.query('DELETE FROM molam_audit_log WHERE id = $1', [old])).rowCount).toBe(1);
    expect(await exists(old)).toBe(false);
    expect(await exists(young)).toBe(true);
  });

  it('an existing database is fixed in place: npm run migrate replaces the old trigger that trusted the session setting', async () => {
    const young = await auditRow(1);
    // The trigger function as main had it before this change.
    await owner.exec(`CREATE OR REPLACE FUNCTION molam_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('molam.audit_archiving', true) = 'on' THEN RETURN OLD; END IF;
        RAISE EXCEPTION 'molam_audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await owner.query(`DELETE FROM molam_schema_migrations WHERE name >= '013'`);
    expect((await runMigrations(owner)).applied).toContain('014_audit_archiver_only.sql');
    // 002 run again by hand (the guide's psql) must not bring the old function back either.
    execFileSync(
      'psql',
      ['-q', '-X', '-v', 'ON_ERROR_STOP=1', test.url, '-f', path.join(SQL_DIR, '002_audit_log.sql')],
      { stdio: 'pipe' },
    );
    await expect(deleteWithOldBypass(owner, young)).rejects.toThrow(/append-only/);
    expect(await exists(young)).toBe(true);
  });
});

describe('item 15: npm run audit:archive runs as molam_audit_archiver', () => {
  const run = promisify(execFile);
  const archive = (databaseUrl: string, dir: string, age = '90d') =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/audit-archive.ts', '--older-than', age, '--out', dir], {
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'development' },
      cwd: process.cwd(),
    });

  it('archives and deletes old rows with the archiver login, and turns the service login away before writing anything', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'molam-audit-roles-'));
    try {
      const old = await auditRow(120);
      const young = await auditRow(30);
      await expect(archive(serviceUrl, dir)).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/not a member of molam_audit_archiver/),
      });
      expect(await readdir(dir)).toEqual([]);
      await expect(archive(archiverUrl, dir, '60d')).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/kept 90 days/),
      });

      const { stdout } = await archive(archiverUrl, dir);
      expect(JSON.parse(stdout).archived).toBeGreaterThanOrEqual(1);
      expect(await exists(old)).toBe(false);
      expect(await exists(young)).toBe(true);
      expect(await readdir(dir)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('item 15: the service works as molam_service (not the owner)', () => {
  it('runs a full password reset over HTTP, writing requests, audit and outbox rows, with MIGRATE_ON_START=false', async () => {
    const phone = '+221770001515';
    const user = await createUserQueries(owner).upsertUser({ phone, language: 'fr', country: 'SN' });
    const svc = await startTestService({ env: { DATABASE_URL: serviceUrl, MIGRATE_ON_START: 'false' } });
    try {
      const start = await svc.post('/v1/reset/start', { kind: 'password', identifier: phone });
      expect(start.status).toBe(202);
      const verify = await svc.post('/v1/reset/verify', {
        requestId: start.body.requestId,
        otp: await svc.lastOtpFor(phone),
      });
      expect(verify.status).toBe(200);
      const complete = await svc.post('/v1/reset/complete', {
        resetToken: verify.body.resetToken,
        newPassword: 'lantern orbit cassava 42',
      });
      expect(complete.status).toBe(204);
      await svc.app.settle();
    } finally {
      await svc.stop();
    }
    const audit = await owner.query<{ action: string }>('SELECT action FROM molam_audit_log WHERE user_id = $1', [
      user.id,
    ]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['reset.completed']));
    const outbox = await owner.query('SELECT 1 FROM molam_outbox WHERE aggregate_id = $1', [user.id]);
    expect(outbox.rows).toHaveLength(1);
  });
});
