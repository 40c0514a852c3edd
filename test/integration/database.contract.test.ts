/**
 * The schema and the Database interface, on both implementations: a fresh
 * PostgreSQL database on 127.0.0.1 and the embedded PGlite of the dev mode.
 * Also: each migration runs twice with psql -v ON_ERROR_STOP=1 -f, and 006
 * alone, as the deployment guide runs it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '../../src/db/database.js';
import { listMigrations, runMigrations, SQL_DIR } from '../../src/db/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const created: TestDatabase[] = [];
const opened: Database[] = [];
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await Promise.all(created.map((d) => d.drop()));
});

async function freshPostgres(): Promise<Database> {
  const t = await createTestDatabase('schema');
  created.push(t);
  const db = createPostgresDatabase(t.url);
  opened.push(db);
  return db;
}

const implementations: Array<[string, () => Promise<Database>]> = [
  ['postgres', freshPostgres],
  [
    'pglite',
    async () => {
      const db = await createPgliteDatabase();
      opened.push(db);
      return db;
    },
  ],
];

describe.each(implementations)('schema on %s', (_name, open) => {
  it('applies every migration once and records it; a second run applies nothing', async () => {
    const db = await open();
    const first = await runMigrations(db);
    expect(first.applied).toEqual(await listMigrations());
    expect(first.applied).toContain('006_password_pin_reset.sql');
    const second = await runMigrations(db);
    expect(second).toEqual({ applied: [], skipped: first.applied });
    const { rows } = await db.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'molam_reset_requests' ORDER BY indexname`,
    );
    expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['idx_reset_created', 'idx_reset_user_kind']));
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
    const db = await open();
    await runMigrations(db);
    await db.query(`INSERT INTO molam_audit_log (action) VALUES ('reset.requested')`);
    await expect(db.query(`UPDATE molam_audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM molam_audit_log')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE molam_audit_log')).rejects.toThrow(/append-only/);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM molam_audit_log');
    expect(rows[0]!.n).toBe(1);
  });

  it('rolls a failed transaction back', async () => {
    const db = await open();
    await runMigrations(db);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO molam_users (phone_e164, language) VALUES ('+221770000042', 'fr')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query('SELECT 1 FROM molam_users WHERE phone_e164 = $1', ['+221770000042']);
    expect(rows).toHaveLength(0);
  });

  it('allows one live reset request per user and kind', async () => {
    const db = await open();
    await runMigrations(db);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO molam_users (phone_e164) VALUES ('+221770000043') RETURNING id`,
    );
    const insert = () =>
      db.query(
        `INSERT INTO molam_reset_requests (user_id, subject_digest, kind, channel, otp_hash, otp_expires_at)
       VALUES ($1, 'd', 'ussd_pin', 'sms', 'h', now() + interval '5 minutes')`,
        [rows[0]!.id],
      );
    await insert();
    await expect(insert()).rejects.toThrow(/idx_reset_one_live|duplicate/);
  });
});

describe('migrations with psql, as an operator runs them', () => {
  const psql = (url: string, ...args: string[]) =>
    execFileSync('psql', ['-q', '-X', '-v', 'ON_ERROR_STOP=1', url, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();

  it('runs every file twice in a row on a fresh database', async () => {
    const t = await createTestDatabase('psql');
    created.push(t);
    for (let round = 0; round < 2; round += 1) {
      for (const file of await listMigrations()) psql(t.url, '-f', path.join(SQL_DIR, file));
    }
    const tables = psql(
      t.url,
      '-tAc',
      `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'molam_%'`,
    )
      .trim()
      .split('\n');
    expect(tables).toEqual(
      expect.arrayContaining([
        'molam_users',
        'molam_audit_log',
        'molam_credential_history',
        'molam_outbox',
        'molam_reset_requests',
      ]),
    );
  });

  it('runs 006 alone from standard input (the guide: psql molam_id < sql/006_password_pin_reset.sql), then the runner completes the schema', async () => {
    const t = await createTestDatabase('guide');
    created.push(t);
    const sql006 = path.join(SQL_DIR, '006_password_pin_reset.sql');
    for (let round = 0; round < 2; round += 1) {
      execFileSync('sh', ['-c', `psql -q -X -v ON_ERROR_STOP=1 "${t.url}" < "${sql006}"`], {
        env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
      });
    }
    const db = createPostgresDatabase(t.url);
    opened.push(db);
    const result = await runMigrations(db);
    expect(result.applied).toHaveLength((await listMigrations()).length);
    const fk = await db.query(`SELECT 1 FROM pg_constraint WHERE conname = 'molam_reset_requests_user_fk'`);
    expect(fk.rows).toHaveLength(1);
  });
});
