/** npm run migrate: applies sql/NNN_*.sql in order and records what ran. */
import dotenv from 'dotenv';
import { loadDatabaseConfig } from '../config.js';
import { runMigrations } from '../db/migrations.js';
import { openConfiguredDatabase } from './open-database.js';

dotenv.config({ quiet: true });
const db = await openConfiguredDatabase(loadDatabaseConfig(process.env));
try {
  const { applied, skipped } = await runMigrations(db);
  for (const name of skipped) process.stdout.write(`already applied  ${name}\n`);
  for (const name of applied) process.stdout.write(`applied          ${name}\n`);
  process.stdout.write(`${applied.length} applied, ${skipped.length} already there\n`);
} finally {
  await db.close();
}
