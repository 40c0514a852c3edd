/**
 * npm run purge: deletes reset requests, outbound-message records and
 * published outbox events past their retention (src/retention/purge.ts),
 * in batches, then prints one JSON line of counts; exits 1 on an error.
 * Idempotent, and safe beside the service's own daily purge (advisory lock).
 * Runs as the service's login (DATABASE_URL): it needs DELETE on those tables.
 */
import dotenv from 'dotenv';
import { loadDatabaseConfig } from '../config.js';
import { purgeExpiredRows } from '../retention/purge.js';
import { openConfiguredDatabase } from './open-database.js';

dotenv.config({ quiet: true });
try {
  const config = loadDatabaseConfig(process.env);
  const db = await openConfiguredDatabase(config);
  try {
    process.stdout.write(`${JSON.stringify(await purgeExpiredRows(db, config.retention))}\n`);
  } finally {
    await db.close();
  }
} catch (err) {
  process.stderr.write(`purge failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
