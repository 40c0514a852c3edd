/** Opens whatever database the configuration names, for the command-line tools. */
import { createPgliteDatabase, createPostgresDatabase, type Database } from '../db/database.js';
import type { Config } from '../config.js';

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return createPostgresDatabase(config.databaseUrl);
  if (config.pgliteDataDir) return createPgliteDatabase(config.pgliteDataDir);
  throw new Error('Set DATABASE_URL (PostgreSQL) or PGLITE_DATA_DIR (embedded) first.');
}
