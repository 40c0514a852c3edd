/** Accounts seeded in a test's own database: a fresh Senegalese number per call, so tests share no counters or requests. */
import { randomInt } from 'node:crypto';
import type { Queryable } from '../../src/db/database.js';
import { createUserQueries } from '../../src/queries/users.queries.js';

/** A random +221 number with the given two-digit prefix (77, 76 and 78 are Senegalese mobile ranges). */
export const senegaleseNumber = (prefix = '77') => `+221${prefix}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

/** Upserts an account for a new (or the given) number; returns the row and its phone. */
export async function seedUser(db: Queryable, o: { phone?: string; language?: string; email?: string } = {}) {
  const phone = o.phone ?? senegaleseNumber();
  const user = await createUserQueries(db).upsertUser({
    phone,
    email: o.email,
    language: o.language ?? 'en',
    country: 'SN',
  });
  return { ...user, phone };
}
