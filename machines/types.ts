/**
 * Types shared by the USSD dialog machines, the dialog runtime and the i18n
 * catalogs. Pure: no imports, nothing here does I/O.
 */

/**
 * Languages in the order the language screen lists them (1, 2, ...): the one
 * list of language codes. Each needs its catalog in src/i18n/catalogs/ (the
 * compiler refuses the registry there until it has one).
 */
export const LANGS = ['fr', 'en', 'sw'] as const;
export type Lang = (typeof LANGS)[number];

/** Every reset kind, defined once; what differs per kind lives in src/reset-kinds.ts. */
export const RESET_KINDS = ['ussd_pin', 'password'] as const;
export type ResetKind = (typeof RESET_KINDS)[number];
export type KnowledgeQuestion = 'birth_year' | 'id_last4';
export type SecretRejection = 'format' | 'length' | 'sequence' | 'repeated' | 'common' | 'reused' | 'weak';
export type RefusalReason = 'no_account' | 'cap_reached' | 'sim_swap' | 'not_served';

/** UX mirrors of the service's limits; the service stays the authority. */
export const MAX_MISMATCHES = 3;
export const MAX_KNOWLEDGE_FAILURES = 3;
/** No screen ever needs more pages than this; keeps the state space finite. */
export const MAX_PAGE = 9;

/** Given by the runtime when it creates a dialog for a phone. */
export interface DialogInput {
  phone: string;
  lang: Lang | null;
  knowledgeCheck: KnowledgeQuestion | null;
}

export type DialogMachineEvent =
  | { type: 'DIAL' } // a NEW USSD session reached this (existing) dialog
  | { type: 'INPUT'; text: string } // latest user input of a hop (already trimmed by the runtime)
  | { type: 'SMS_CODE'; code: string } // the user replied to the OTP SMS with the code
  | { type: 'NOT_ME' }; // the user replied STOP / NON / NOT ME: cancel

// Effects, given by the runtime with machine.provide({ actors }).
export interface StartResetInput {
  phone: string;
  kind: ResetKind;
  lang: Lang;
}
export type StartResetOutput =
  | { outcome: 'sent'; requestId: string; expiresInSeconds: number }
  | { outcome: 'rate_limited'; retryAfterSeconds: number }
  /** The account is cooling off after a lock: nothing was sent, the wait is shown. */
  | { outcome: 'blocked'; retryAfterSeconds: number }
  | { outcome: 'refused'; reason: RefusalReason };

export interface CheckKnowledgeInput {
  phone: string;
  question: KnowledgeQuestion;
  answer: string;
}
export interface CheckKnowledgeOutput {
  ok: boolean;
}

export interface VerifyCodeInput {
  requestId: string;
  code: string;
}
export type VerifyCodeOutput =
  | { outcome: 'ok' }
  | { outcome: 'invalid'; attemptsLeft: number }
  /** retryAfterSeconds: how long the account waits before a new code (shown on the lock screen). */
  | { outcome: 'locked'; retryAfterSeconds: number }
  | { outcome: 'expired' };

export interface ResendCodeInput {
  requestId: string;
}
export type ResendCodeOutput =
  | { outcome: 'sent' }
  | { outcome: 'cooldown'; retryAfterSeconds: number }
  | { outcome: 'limit' }
  | { outcome: 'expired' };

export interface CheckNewSecretInput {
  requestId: string;
  kind: ResetKind;
  secret: string;
}
/** digest: a keyed hash computed by the runtime; the plaintext never enters context. */
/** spent: too many secrets were refused, the reset token is used up. */
export type CheckNewSecretOutput =
  { ok: true; digest: string } | { ok: false; reason: SecretRejection } | { ok: false; spent: true };

/** secret is the confirmation entry; the runtime compares it against digest. */
export interface CompleteResetInput {
  requestId: string;
  kind: ResetKind;
  secret: string;
  digest: string;
}
export type CompleteResetOutput =
  | { outcome: 'done' }
  | { outcome: 'mismatch' }
  | { outcome: 'expired' }
  | { outcome: 'rejected'; reason: SecretRejection };

export interface CancelResetInput {
  requestId: string;
}
export type CancelResetOutput = void;

/** Why a screen is shown again; rendered as a one-line prefix. `code_resent` is a notice. */
export type DialogError =
  | 'invalid_choice'
  | 'empty'
  | 'answer_format'
  | 'answer_wrong'
  | 'code_format'
  | 'code_wrong'
  | 'code_resent'
  | 'resend_wait'
  | 'resend_limit'
  | 'mismatch'
  | `secret_${SecretRejection}`;

/** Snapshots go to Redis: never the OTP, PIN or password here. */
export interface DialogContext {
  phone: string;
  lang: Lang | null;
  knowledgeCheck: KnowledgeQuestion | null;
  kind: ResetKind | null;
  requestId: string | null;
  attemptsLeft: number | null;
  retryAfterSeconds: number | null;
  mismatches: number;
  knowledgeFailures: number;
  secretDigest: string | null;
  refusal: RefusalReason | null;
  error: DialogError | null;
  page: number;
}

/** Every screen a catalog must translate. */
export type ScreenId =
  | 'language'
  | 'menu'
  | `knowledge_${KnowledgeQuestion}`
  | 'enter_code'
  | `new_${ResetKind}`
  | `confirm_${ResetKind}`
  | 'resume'
  | 'wait'
  | `done_${ResetKind}`
  | 'cancelled'
  | 'expired'
  | 'locked'
  | 'too_many_answers'
  | 'too_many_secrets'
  | 'unavailable'
  | `refused_${RefusalReason}`
  | 'rate_limited'
  | 'too_many_mismatches';

/** Screens whose id depends on context (kind, question, refusal): resolved by describeScreen. */
export type VariantScreen = 'knowledge' | 'new_secret' | 'confirm_secret' | 'done' | 'refused';
export type ScreenKey =
  | VariantScreen
  | Exclude<ScreenId, `knowledge_${string}` | `${'new' | 'confirm' | 'done'}_${ResetKind}` | `refused_${string}`>;

/** State meta: the screen a state shows; `end` flags END screens of non-final states. */
export interface ScreenMeta {
  screen: ScreenKey;
  end?: boolean;
}

/** What the gateway renders for the current state. */
export interface Screen {
  id: ScreenId;
  params: Record<string, string | number>;
  end: boolean;
}
