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
        `SELECT ${COLUMNS} FROM molam_users WHERE phone_e164 = $1 AND status = 'active'`,
        [phone],
      );
      return rows[0];
    },
    async findActiveUserByEmail(email: string): Promise<UserRow | undefined> {
      const { rows } = await db.query<UserRow>(
        `SELECT ${COLUMNS} FROM molam_users WHERE email = $1 AND status = 'active'`,
        [email],
      );
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
        [user.phone ?? null, user.email ?? null, user.language, user.country ?? null],
      );
      return rows[0]!;
    },
  };
}

/** What a new USSD dialog starts from: language, country and the knowledge-check answers on file. */
export interface DialogProfileRow {
  language: string;
  country: string | null;
  birth_year: number | null;
  national_id_last4_digest: string | null;
}

export async function findDialogProfile(db: Queryable, phone: string): Promise<DialogProfileRow | undefined> {
  const { rows } = await db.query<DialogProfileRow>(
    `SELECT language, country, birth_year, national_id_last4_digest FROM molam_users WHERE phone_e164 = $1 AND status = 'active'`,
    [phone],
  );
  return rows[0];
}

/** The answer a USSD knowledge check compares against (users:add --birth-year). */
export async function setBirthYear(db: Queryable, userId: string, birthYear: number) {
  await db.query('UPDATE molam_users SET birth_year = $2 WHERE id = $1', [userId, birthYear]);
}

/** Writes inside the reset-completion transaction. */
export async function setUserCredential(
  tx: Queryable,
  userId: string,
  column: 'password_hash' | 'pin_hash',
  hash: string,
) {
  await tx.query(`UPDATE molam_users SET ${column} = $2, updated_at = now() WHERE id = $1`, [userId, hash]);
}
