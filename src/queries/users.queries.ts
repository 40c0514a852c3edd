/** Named queries on molam_users. */
import type { Queryable } from '../db/database.js';

export interface UserRow {
  id: string;
  phone_e164: string | null;
  email: string | null;
  language: string;
  country: string | null;
  password_hash: string | null;
  pin_hash: string | null;
  status: 'active' | 'suspended' | 'closed';
}

const COLUMNS = 'id, phone_e164, email, language, country, password_hash, pin_hash, status';

export function createUserQueries(db: Queryable) {
  return {
    async findActiveUserByPhone(phone: string): Promise<UserRow | undefined> {
      const { rows } = await db.query<UserRow>(
        `SELECT ${COLUMNS} FROM molam_users WHERE phone_e164 = $1 AND status = 'active'`, [phone]);
      return rows[0];
    },
    async findActiveUserByEmail(email: string): Promise<UserRow | undefined> {
      const { rows } = await db.query<UserRow>(
        `SELECT ${COLUMNS} FROM molam_users WHERE email = $1 AND status = 'active'`, [email]);
      return rows[0];
    },
    async findUserById(id: string): Promise<UserRow | undefined> {
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM molam_users WHERE id = $1`, [id]);
      return rows[0];
    },
    /** Adds a user, or updates contact details of the one with that phone/email. */
    async upsertUser(user: { phone?: string; email?: string; language: string; country?: string }): Promise<UserRow> {
      const { rows } = await db.query<UserRow>(
        `INSERT INTO molam_users (phone_e164, email, language, country) VALUES ($1, $2, $3, $4)
         ON CONFLICT (phone_e164) DO UPDATE SET email = COALESCE(EXCLUDED.email, molam_users.email),
           language = EXCLUDED.language, country = COALESCE(EXCLUDED.country, molam_users.country), updated_at = now()
         RETURNING ${COLUMNS}`,
        [user.phone ?? null, user.email ?? null, user.language, user.country ?? null]);
      return rows[0]!;
    },
  };
}

/** Writes inside the reset-completion transaction. */
export async function setUserCredential(tx: Queryable, userId: string, kind: 'password' | 'ussd_pin', hash: string) {
  const column = kind === 'password' ? 'password_hash' : 'pin_hash';
  await tx.query(`UPDATE molam_users SET ${column} = $2, updated_at = now() WHERE id = $1`, [userId, hash]);
}
