/**
 * The real effects of the dialog machines, given with machine.provide():
 * each actor calls the same services the HTTP API uses and maps their
 * domain errors to the outcomes the machine understands.
 */
import { fromPromise } from 'xstate';
import type * as M from '../../machines/types.js';
import { AppError } from '../errors.js';
import { maskPhone, type Logger } from '../logger.js';
import { insertAuditEntry } from '../queries/audit.queries.js';
import type { Queryable } from '../db/database.js';
import { createResetRequestQueries } from '../queries/reset-requests.queries.js';
import { digestsEqual, type SecretHasher } from '../security/secret-hasher.js';
import { hashOtp } from '../security/otp.js';
import type { CredentialService } from '../services/credential-service.js';
import type { RateLimiter } from '../services/rate-limits.js';
import type { ResetService } from '../services/reset-service.js';

export interface DialogEffectDeps {
  db: Queryable;
  resets: ResetService;
  credentials: CredentialService;
  hasher: SecretHasher;
  limiter: RateLimiter;
  logger: Logger;
  pepper: string;
  /** The answer on file for a knowledge question, or null when there is none. */
  knowledgeOnFile: (phone: string, question: M.KnowledgeQuestion) => Promise<string | null>;
}

/** The keyed hash an answer to a knowledge question is stored and compared as. */
export const knowledgeDigest = (pepper: string, answer: string) => hashOtp(pepper, 'knowledge', answer.trim());

const codeOf = (err: unknown) => (err instanceof AppError ? err.code : undefined);
/** The wait an error carries; at least 1 s, so a screen never promises "now" while still refusing. */
const waitOf = (err: unknown) => Math.max(1, Number((err as AppError).data.retryAfterSeconds) || 1);

/** Logs an effect's failure once (the dialog then shows "service unavailable") and rethrows it. */
function logged<O, I>(name: string, logger: Logger, run: (input: I) => Promise<O>) {
  return fromPromise<O, I>(async ({ input }) => {
    try {
      return await run(input);
    } catch (err) {
      logger.error({ effect: name, err: (err as Error).message }, 'dialog effect failed');
      throw err;
    }
  });
}

export function createDialogEffects(deps: DialogEffectDeps) {
  const requests = createResetRequestQueries(deps.db);
  const verifiedRequest = async (requestId: string) => {
    const row = await requests.findResetRequestById(requestId);
    return row && row.status === 'verified' && row.token_jti ? row : undefined;
  };
  const secretDigest = (requestId: string, secret: string) => deps.hasher.digest(secret, `dialog:${requestId}`);

  return {
    startReset: logged<M.StartResetOutput, M.StartResetInput>('startReset', deps.logger, async (input) => {
      try {
        const r = await deps.resets.startForPhone(input);
        return r.outcome === 'sent'
          ? { outcome: 'sent', requestId: r.requestId, expiresInSeconds: r.expiresInSeconds }
          : r;
      } catch (err) {
        if (codeOf(err) === 'channel_refused') return { outcome: 'refused', reason: 'not_served' };
        if (codeOf(err) !== 'rate_limited') throw err;
        return { outcome: 'rate_limited', retryAfterSeconds: Number((err as AppError).data.retryAfterSeconds) || 60 };
      }
    }),

    checkKnowledge: logged<M.CheckKnowledgeOutput, M.CheckKnowledgeInput>(
      'checkKnowledge',
      deps.logger,
      async (input) => {
        // Past 3 wrong answers in 7 days every answer is refused, so new dials buy no new guesses.
        const exhausted = await deps.limiter.isExhausted('knowledgeFailuresPerPhone', input.phone);
        const onFile = await deps.knowledgeOnFile(input.phone, input.question);
        // Keyed hashes compared in constant time; no answer on file never matches.
        const ok = !exhausted && onFile !== null && digestsEqual(onFile, knowledgeDigest(deps.pepper, input.answer));
        if (!ok) await deps.limiter.consume('knowledgeFailuresPerPhone', input.phone).catch(() => undefined);
        await insertAuditEntry(deps.db, {
          action: 'reset.knowledge_checked',
          outcome: ok ? 'ok' : 'failed',
          channel: 'ussd',
          subject: maskPhone(input.phone),
          details: { question: input.question },
        });
        return { ok };
      },
    ),

    verifyCode: logged<M.VerifyCodeOutput, M.VerifyCodeInput>('verifyCode', deps.logger, async (input) => {
      try {
        await deps.resets.verify({ requestId: input.requestId, otp: input.code, ip: null });
        return { outcome: 'ok' };
      } catch (err) {
        switch (codeOf(err)) {
          case 'otp_invalid':
            return { outcome: 'invalid', attemptsLeft: Number((err as AppError).data.attemptsLeft) };
          case 'request_locked':
          case 'rate_limited':
            return { outcome: 'locked', retryAfterSeconds: waitOf(err) };
          case 'otp_expired':
          case 'request_not_found':
            return { outcome: 'expired' };
          default:
            throw err;
        }
      }
    }),

    resendCode: logged<M.ResendCodeOutput, M.ResendCodeInput>('resendCode', deps.logger, async (input) => {
      try {
        await deps.resets.resend(input.requestId);
        return { outcome: 'sent' };
      } catch (err) {
        const code = codeOf(err);
        if (code === 'rate_limited') {
          const { reason, retryAfterSeconds } = (err as AppError).data;
          return reason === 'send_cap'
            ? { outcome: 'limit' }
            : { outcome: 'cooldown', retryAfterSeconds: Number(retryAfterSeconds) };
        }
        if (code === 'otp_expired' || code === 'request_not_found' || code === 'request_locked')
          return { outcome: 'expired' };
        throw err;
      }
    }),

    checkNewSecret: logged<M.CheckNewSecretOutput, M.CheckNewSecretInput>(
      'checkNewSecret',
      deps.logger,
      async (input) => {
        const row = await verifiedRequest(input.requestId);
        if (!row) return { ok: false, reason: 'format' };
        try {
          await deps.credentials.checkNewSecret(row, input.secret);
          return { ok: true, digest: secretDigest(row.id, input.secret) };
        } catch (err) {
          // token_used: the refusals used up the token; the dialog ends saying so.
          if (codeOf(err) === 'token_used') return { ok: false, spent: true };
          if (codeOf(err) !== 'weak_secret') throw err;
          return { ok: false, reason: (err as AppError).data.reason as M.SecretRejection };
        }
      },
    ),

    completeReset: logged<M.CompleteResetOutput, M.CompleteResetInput>('completeReset', deps.logger, async (input) => {
      if (!digestsEqual(secretDigest(input.requestId, input.secret), input.digest)) return { outcome: 'mismatch' };
      const row = await verifiedRequest(input.requestId);
      if (!row) return { outcome: 'expired' };
      try {
        // The digest matched: this is the secret checkNewSecret accepted on the previous hop.
        await deps.credentials.completeVerifiedRequest(row, row.token_jti!, input.secret, null, { checked: true });
        return { outcome: 'done' };
      } catch (err) {
        const code = codeOf(err);
        if (code === 'weak_secret')
          return { outcome: 'rejected', reason: (err as AppError).data.reason as M.SecretRejection };
        if (code === 'token_used' || code === 'token_invalid') return { outcome: 'expired' };
        throw err;
      }
    }),

    cancelReset: logged<void, M.CancelResetInput>('cancelReset', deps.logger, async (input) => {
      await deps.resets.cancel(input.requestId, 'dialog');
    }),
  };
}

export type DialogEffects = ReturnType<typeof createDialogEffects>;
