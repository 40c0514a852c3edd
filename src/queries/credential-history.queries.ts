/** Named queries on molam_credential_history. */
import type { Queryable } from '../db/database.js';
import type { ResetKind } from '../../machines/types.js';

export async function findRecentCredentialHashes(
  db: Queryable,
  userId: string,
  kind: ResetKind,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ secret_hash: string }>(
    `SELECT secret_hash FROM molam_credential_history WHERE user_id = $1 AND kind = $2
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [userId, kind, limit],
  );
  return rows.map((r) => r.secret_hash);
}

export async function insertCredentialHistory(
  tx: Queryable,
  userId: string,
  kind: ResetKind,
  hash: string,
): Promise<void> {
  await tx.query('INSERT INTO molam_credential_history (user_id, kind, secret_hash) VALUES ($1, $2, $3)', [
    userId,
    kind,
    hash,
  ]);
}
