/**
 * Applies sql/NNN_*.sql in order and records what ran. Each file is
 * idempotent on its own (the deployment guide runs 006 with psql), so a file
 * applied by hand and then by this runner is harmless.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Database } from './database.js';

/** sql/ sits at the repository root: two levels up from src/db/, one up from the dist/ bundle. */
export const SQL_DIR =
  ['../../sql/', '../sql/']
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
    .find((dir) => existsSync(path.join(dir, '006_password_pin_reset.sql'))) ?? path.resolve('sql');

// One lock id for every instance: replicas starting together migrate one at a time.
const MIGRATION_LOCK_ID = 60_06_2025;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export async function listMigrations(dir = SQL_DIR): Promise<string[]> {
  const files = await readdir(dir);
  return files.filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
}

export async function runMigrations(db: Database, dir = SQL_DIR): Promise<MigrationResult> {
  await db.exec(`CREATE TABLE IF NOT EXISTS molam_schema_migrations (
    name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const result: MigrationResult = { applied: [], skipped: [] };
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    const { rows } = await tx.query<{ name: string }>('SELECT name FROM molam_schema_migrations');
    const done = new Set(rows.map((r) => r.name));
    for (const name of await listMigrations(dir)) {
      if (done.has(name)) {
        result.skipped.push(name);
        continue;
      }
      const sql = await readFile(path.join(dir, name), 'utf8');
      await tx.exec(sql);
      await tx.query('INSERT INTO molam_schema_migrations (name, checksum) VALUES ($1, $2)', [
        name,
        createHash('sha256').update(sql).digest('hex'),
      ]);
      result.applied.push(name);
    }
  });
  return result;
}
