/** Opens whatever database the configuration names, for the command-line tools. */
import { createPgliteDatabase, createPostgresDatabase, type Database } from '../db/database.js';
import type { DatabaseConfig } from '../config.js';

export async function openConfiguredDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.databaseUrl) return createPostgresDatabase(config.databaseUrl);
  if (config.pgliteDataDir) return createPgliteDatabase(config.pgliteDataDir);
  throw new Error('Set DATABASE_URL (PostgreSQL) first; an embedded PGLITE_DATA_DIR needs NODE_ENV=development.');
}
