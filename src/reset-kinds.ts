/**
 * What differs per reset kind on the service side, in one table: the policy a
 * new secret must pass, the users column holding its hash, the field of
 * POST /v1/reset/complete that carries it, and the event a completed reset
 * publishes. The dialog side (menu choice, flow) is machines/reset-kinds.ts;
 * texts are keyed by kind in each language's catalog. A new kind fails to
 * compile until every table has it (and test/unit/reset-kinds.test.ts lists
 * the gaps the compiler cannot see: SQL checks, columns, catalogs).
 */
import type { ResetKind } from '../machines/types.js';
import type { UserRow } from './queries/users.queries.js';
import { checkPasswordPolicy } from './security/password-policy.js';
import { checkPinPolicy } from './security/pin-policy.js';
import type { SecretRejection } from './security/secret-rejection.js';

export interface ResetKindSpec {
  /** The cheap check of a new secret (no bcrypt); `userInputs` are words of the account a password must avoid. */
  policy(secret: string, userInputs: string[]): SecretRejection | null;
  credentialColumn: 'pin_hash' | 'password_hash';
  /** The request body field of POST /v1/reset/complete, and the longest value it accepts. */
  bodyField: 'newPin' | 'newPassword';
  bodyMaxLength: number;
  /** CloudEvents type of a completed reset (deployment guide, "Events"). */
  eventType: string;
}

export type ResetBodyField = ResetKindSpec['bodyField'];

export const RESET_KIND_SPECS: Record<ResetKind, ResetKindSpec> = {
  ussd_pin: {
    policy: (secret) => checkPinPolicy(secret),
    credentialColumn: 'pin_hash',
    bodyField: 'newPin',
    // Far above a PIN's 6 digits: the policy answers "format", not the schema.
    bodyMaxLength: 32,
    eventType: 'id.ussd.pin.reset.completed',
  },
  password: {
    policy: checkPasswordPolicy,
    credentialColumn: 'password_hash',
    bodyField: 'newPassword',
    // Longer than the policy's maximum so the policy, not the schema, explains the refusal.
    bodyMaxLength: 1024,
    eventType: 'id.password.reset.completed',
  },
};

/** The current hash of a kind's credential. */
export const currentCredential = (user: UserRow, kind: ResetKind): string | null =>
  user[RESET_KIND_SPECS[kind].credentialColumn];
