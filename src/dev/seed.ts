/** Demo accounts for the embedded dev mode (and the README's curl examples). */
import { createUserQueries } from '../queries/users.queries.js';
import type { Queryable } from '../db/database.js';

export const DEMO_USERS = [
  { phone: '+221770000001', email: 'awa.ndiaye@example.sn', language: 'fr', country: 'SN' },
  { phone: '+254700000002', email: undefined, language: 'en', country: 'KE' },
] as const;

export async function seedDemoUsers(db: Queryable): Promise<void> {
  const users = createUserQueries(db);
  for (const user of DEMO_USERS) await users.upsertUser(user);
}
