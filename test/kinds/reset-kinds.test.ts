/**
 * A reset kind lives in one table per layer (src/reset-kinds.ts, machines/reset-kinds.ts,
 * the catalogs' Record<ResetKind, …> texts, the SQL CHECK constraints). The compiler
 * refuses a kind missing from a table; this test finds the rest, on a database
 * migrated from sql/ in the machine's real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_KINDS } from '../../machines/types.js';
import { createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { RESET_KIND_SPECS } from '../../src/reset-kinds.js';
import { resetKindGaps } from '../support/reset-kind-gaps.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

let testDb: TestDatabase;
let db: Database;
beforeAll(async () => {
  testDb = await createTestDatabase('kinds');
  db = createPostgresDatabase(testDb.url);
  await runMigrations(db);
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('reset kinds', () => {
  it('every kind is in every table, constraint, menu and catalog', async () => {
    expect(await resetKindGaps(RESET_KINDS, db)).toEqual([]);
  });

  it('a third kind added in memory is reported in each place it is missing', async () => {
    const gaps = await resetKindGaps([...RESET_KINDS, 'email_otp'], db);
    expect(gaps.every((g) => g.startsWith('email_otp: '))).toBe(true);
    expect(gaps.join('\n')).toMatch(/RESET_KIND_SPECS/);
    expect(gaps.join('\n')).toMatch(/DIALOG_KINDS/);
    expect(gaps.join('\n')).toMatch(/CHECK constraint on molam_reset_requests/);
    expect(gaps.join('\n')).toMatch(/CHECK constraint on molam_credential_history/);
    expect(gaps.join('\n')).toMatch(/no new_email_otp screen in the fr catalog/);
    expect(gaps.join('\n')).toMatch(/SMS or email texts missing in the en catalog/);
  });

  it('each kind has its own event type and complete-body field', () => {
    const specs = Object.values(RESET_KIND_SPECS);
    expect(new Set(specs.map((s) => s.eventType)).size).toBe(RESET_KINDS.length);
    expect(new Set(specs.map((s) => s.bodyField)).size).toBe(RESET_KINDS.length);
  });
});
