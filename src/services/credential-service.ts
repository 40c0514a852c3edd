/**
 * The reset flow's second half: check a new PIN or password against policy
 * and history, then, in one transaction, spend the single-use token, store the
 * new hash, append history, audit and the outbox event.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { insertAuditEntry } from '../queries/audit.queries.js';
import { findRecentCredentialHashes, insertCredentialHistory } from '../queries/credential-history.queries.js';
import { insertOutboxEvent } from '../queries/outbox.queries.js';
import type { ResetKind } from '../../machines/types.js';
import {
  consumeResetToken,
  createResetRequestQueries,
  type ResetRequestRow,
} from '../queries/reset-requests.queries.js';
import { createUserQueries, setUserCredential, type UserRow } from '../queries/users.queries.js';
import { currentCredential, RESET_KIND_SPECS, type ResetBodyField } from '../reset-kinds.js';
import type { SecretRejection } from '../security/secret-rejection.js';
import type { SecretHasher } from '../security/secret-hasher.js';
import type { ResetTokens } from '../security/reset-token.js';
import type { Notifier } from './notifier.js';
import type { RateLimiter } from './rate-limits.js';

/** A new secret may not be any of the last three (the current one included). */
export const CREDENTIAL_HISTORY_DEPTH = 3;
/**
 * History checks (bcrypt compares) one reset token buys; the fifth refused
 * secret spends the token. Policy refusals cost no bcrypt and are not counted.
 */
export const MAX_SECRET_CHECKS = 5;

const REJECTION_MESSAGES: Record<SecretRejection, string> = {
  format: 'A PIN is 4 to 6 digits.',
  length: 'A password needs at least 8 characters.',
  sequence: 'Avoid sequences such as 1234 or 9876.',
  repeated: 'Avoid repeated digits such as 1111.',
  common: 'This one is too common; choose another.',
  reused: 'Choose one you have not used recently.',
  weak: 'This password is too easy to guess; a longer phrase works well.',
};

export interface CredentialServiceDeps {
  db: Database;
  limiter: RateLimiter;
  hasher: SecretHasher;
  tokens: ResetTokens;
  notifier: Notifier;
  metrics: Metrics;
  resetTokenTtlSeconds: number;
  defer: (work: () => Promise<unknown>) => void;
  /** Called after a transaction wrote an outbox event (wakes the relay). */
  onOutboxWritten?: () => void;
}

export function createCredentialService(deps: CredentialServiceDeps) {
  const { db, hasher, metrics } = deps;
  const users = createUserQueries(db);
  const requests = createResetRequestQueries(db);

  /** The cheap check: PIN or password policy, no bcrypt. */
  function policyRejection(user: UserRow, kind: ResetKind, secret: string): SecretRejection | null {
    const userInputs = [user.phone_e164?.slice(1), user.email?.split('@')[0]].filter((v): v is string => Boolean(v));
    return RESET_KIND_SPECS[kind].policy(secret, userInputs);
  }

  /**
   * Whether the secret is one of the recent ones (bcrypt compares). The check
   * is taken from the token's allowance first, in the statement that checks it,
   * so concurrent completes on one token run at most MAX_SECRET_CHECKS of them.
   */
  async function isRecentSecret(
    row: ResetRequestRow,
    user: UserRow,
    secret: string,
  ): Promise<{ recent: boolean; checksTaken: number }> {
    const checksTaken = await requests.takeSecretCheck(row.id, MAX_SECRET_CHECKS);
    if (checksTaken === undefined)
      throw new AppError('token_used', 'This reset was already completed or closed. Please start a new one.');
    const current = currentCredential(user, row.kind);
    const history = await findRecentCredentialHashes(db, user.id, row.kind, CREDENTIAL_HISTORY_DEPTH);
    const recent = [...new Set([current, ...history].filter((h): h is string => Boolean(h)))].slice(
      0,
      CREDENTIAL_HISTORY_DEPTH,
    );
    try {
      return { recent: await hasher.matchesAny(secret, recent), checksTaken };
    } catch (err) {
      // Busy: no compare ran, so the check goes back (a flood must not spend a real user's token).
      if (err instanceof AppError && err.code === 'service_unavailable') await requests.returnSecretCheck(row.id);
      throw err;
    }
  }

  /** Throws weak_secret (422) with the reason when the secret is refused; token_used (409) once refusals spent the token. */
  async function checkNewSecret(row: ResetRequestRow, secret: string): Promise<UserRow> {
    const user = row.user_id ? await users.findUserById(row.user_id) : undefined;
    if (!user) throw new AppError('token_invalid', 'This reset link is not valid.');
    const policy = policyRejection(user, row.kind, secret);
    const history = policy ? undefined : await isRecentSecret(row, user, secret);
    const reason = policy ?? (history?.recent ? 'reused' : null);
    if (!reason) return user;
    await insertAuditEntry(db, {
      action: 'reset.secret_rejected',
      outcome: reason,
      userId: user.id,
      requestId: row.id,
      kind: row.kind,
      channel: row.channel,
    });
    if (history && history.checksTaken >= MAX_SECRET_CHECKS) {
      await requests.spendTokenWithoutReset(row.id);
      throw new AppError('token_used', 'Too many refused choices: this reset is closed. Please start a new one.', {
        reason,
      });
    }
    throw new AppError('weak_secret', REJECTION_MESSAGES[reason], { reason });
  }

  async function writeCompletion(tx: Queryable, row: ResetRequestRow, user: UserRow, hash: string, ip: string | null) {
    await setUserCredential(tx, user.id, RESET_KIND_SPECS[row.kind].credentialColumn, hash);
    await insertCredentialHistory(tx, user.id, row.kind, hash);
    await insertAuditEntry(tx, {
      action: 'reset.completed',
      userId: user.id,
      requestId: row.id,
      kind: row.kind,
      channel: row.channel,
      country: row.country,
      ip,
    });
    // CloudEvents-style envelope: never a secret, a hash or a full phone number.
    const eventId = randomUUID();
    await insertOutboxEvent(tx, {
      id: eventId,
      aggregateId: user.id,
      type: RESET_KIND_SPECS[row.kind].eventType,
      payload: {
        specversion: '1.0',
        id: eventId,
        type: RESET_KIND_SPECS[row.kind].eventType,
        source: 'molam-id-password-reset',
        time: new Date().toISOString(),
        subject: user.id,
        data: { kind: row.kind, channel: row.channel, country: row.country, requestId: row.id },
      },
    });
  }

  /**
   * Sets the new secret of a verified request, spending its token id (jti) exactly once.
   * `checked`: the dialog already ran checkNewSecret on this very secret (its
   * confirmation matched the digest), so the bcrypt compares are not paid twice.
   */
  async function completeVerifiedRequest(
    row: ResetRequestRow,
    jti: string,
    secret: string,
    ip: string | null,
    { checked = false }: { checked?: boolean } = {},
  ): Promise<void> {
    const user = !checked
      ? await checkNewSecret(row, secret)
      : row.user_id
        ? await users.findUserById(row.user_id)
        : undefined;
    if (!user) throw new AppError('token_invalid', 'This reset link is not valid.');
    const hash = await hasher.hash(secret);
    await db.transaction(async (tx) => {
      const spent = await consumeResetToken(tx, row.id, jti, deps.resetTokenTtlSeconds);
      if (spent === false) throw new AppError('token_used', 'This reset was already completed or has expired.');
      await writeCompletion(tx, row, user, hash, ip);
    });
    deps.onOutboxWritten?.();
    metrics.resetsCompleted.inc({ kind: row.kind, channel: row.channel });
    deps.defer(() => deps.notifier.notifyResetDone(user, row.kind));
  }

  /** HTTP: the reset token proves a verified code; its kind decides which body field carries the secret. */
  async function completeWithToken(input: {
    resetToken: string;
    secrets: Partial<Record<ResetBodyField, string>>;
    ip: string | null;
  }) {
    if (input.ip) await deps.limiter.consume('completePerIp', input.ip);
    const claims = await deps.tokens.verify(input.resetToken).catch(() => {
      throw new AppError('token_invalid', 'This reset token is not valid.');
    });
    const row = await requests.findResetRequestById(claims.requestId);
    if (!row || row.token_jti !== claims.jti) throw new AppError('token_invalid', 'This reset token is not valid.');
    if (row.token_used_at) throw new AppError('token_used', 'This reset token was already used.');
    if (row.status !== 'verified') throw new AppError('token_invalid', 'This reset token is no longer valid.');
    const field = RESET_KIND_SPECS[row.kind].bodyField;
    const secret = input.secrets[field];
    if (secret === undefined) throw new AppError('invalid_request', `${field} is required`);
    await completeVerifiedRequest(row, claims.jti, secret, input.ip);
  }

  return { checkNewSecret, completeVerifiedRequest, completeWithToken };
}

export type CredentialService = ReturnType<typeof createCredentialService>;
