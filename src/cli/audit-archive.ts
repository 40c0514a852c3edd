/**
 * npm run audit:archive -- --older-than 90d --out <dir> [--max-rows N]
 * Moves audit rows older than the cutoff to one gzip NDJSON file in <dir>
 * (see src/audit/archive.ts), then deletes them. Safe to re-run: a range is
 * archived once. Prints one JSON line; exits 1 on an error.
 * Connects with DATABASE_URL, which must be the archiver's login (a member of
 * molam_audit_archiver, sql/013); an age under the audit retention (90 days)
 * is refused before anything is written.
 */
import dotenv from 'dotenv';
import { archiveAuditLog } from '../audit/archive.js';
import { parseArchiveArgs } from '../audit/archive-args.js';
import { loadDatabaseConfig } from '../config.js';
import { openConfiguredDatabase } from './open-database.js';

async function main(argv: string[]): Promise<void> {
  const { olderThanMs, outDir, maxRows } = parseArchiveArgs(argv);
  dotenv.config({ quiet: true });
  const db = await openConfiguredDatabase(loadDatabaseConfig(process.env));
  try {
    const result = await archiveAuditLog({ db, outDir, olderThanMs, maxRows });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`audit:archive failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
