/**
 * The reset flow's first half, for every channel: start a request (send a
 * code), resend it, verify it. Known and unknown identifiers take the same
 * path — the same queries, the same answer — and only a real account gets a
 * message, sent after the answer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { maskIdentifier } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { insertAuditEntry, type AuditEntry } from '../queries/audit.queries.js';
import {
  createResetRequestQueries, insertResetRequest, type ResetChannel, type ResetKind, type ResetRequestRow, type ResetStatus,
} from '../queries/reset-requests.queries.js';
import { createUserQueries, type UserRow } from '../queries/users.queries.js';
import { generateOtp, hashOtp, otpMatches } from '../security/otp.js';
import type { RiskMonitor } from '../risk/risk-monitor.js';
import type { SimSwapChecker } from '../risk/sim-swap.js';
import type { ResetTokens } from '../security/reset-token.js';
import { parseIdentifier } from './identifiers.js';
import type { Notifier } from './notifier.js';
import type { RateLimiter } from './rate-limits.js';

/** Security defaults (DESIGN.md): 5 tries per code, 60 s between sends, 5 sends per request. */
export const OTP_MAX_ATTEMPTS = 5;
export const RESEND_COOLDOWN_SECONDS = 60;
export const MAX_SENDS_PER_REQUEST = 5;
/** Self-service resets per phone and kind in 30 days (Orange Money allows one; we allow a few). */
export const MAX_RESETS_PER_30_DAYS = 3;

export interface ResetServiceDeps {
  db: Database;
  limiter: RateLimiter;
  notifier: Notifier;
  tokens: ResetTokens;
  metrics: Metrics;
  pepper: string;
  otpTtlSeconds: number;
  resetTokenTtlSeconds: number;
  defaultCountry: string;
  /** Runs work after the answer has left (tests may await it). */
  defer: (work: () => Promise<unknown>) => void;
  /** Risk signals (SIRA); never awaited, never failing a request. */
  risk?: RiskMonitor;
  /** CAMARA SIM-swap check before a code goes out by SMS. */
  simSwap?: SimSwapChecker;
  /** What an unanswered SIM-swap check means: let the SMS go, or refuse it. */
  simSwapUnknownPolicy?: 'allow' | 'refuse';
}

export interface StartInput {
  kind: ResetKind;
  identifier: string;
  channel?: 'sms' | 'email';
  lang?: string;
  ip: string | null;
}

const GONE: Partial<Record<ResetStatus, () => AppError>> = {
  locked: () => new AppError('request_locked', 'Too many wrong codes: this request is locked. Start a new one later.'),
};
const goneError = (status: ResetStatus) =>
  GONE[status]?.() ?? new AppError('otp_expired', 'This code is no longer valid. Request a new one.');

export function createResetService(deps: ResetServiceDeps) {
  const { db, limiter, notifier, tokens, metrics, pepper } = deps;
  const users = createUserQueries(db);
  const requests = createResetRequestQueries(db);
  const audit_ = (entry: AuditEntry) => insertAuditEntry(db, entry);
  const digestOf = (identifier: string) => hashOtp(pepper, 'subject', identifier);

  async function limit(name: Parameters<RateLimiter['consume']>[0], subject: string, entry: AuditEntry) {
    try {
      await limiter.consume(name, subject);
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited') await audit_({ ...entry, action: 'reset.rate_limited', outcome: name });
      throw err;
    }
  }

  interface OpenRequest {
    kind: ResetKind;
    channel: ResetChannel;
    subject: string;
    country: string | null;
    account: UserRow | undefined;
    destination: string | null;
    lang: string | undefined;
    ip: string | null;
    audit: AuditEntry;
  }

  /** Cancels the live request of the account, stores the new one and sends its code after the answer. */
  async function openRequest(r: OpenRequest) {
    const requestId = randomUUID();
    const otp = generateOtp();
    // A decoy stores a hash no code can match, computed the same way for equal timing.
    const otpHash = hashOtp(pepper, requestId, r.account ? otp : randomBytes(16).toString('hex'));
    await db.transaction(async (tx) => {
      await insertResetRequest(tx, {
        id: requestId, userId: r.account?.id ?? null, subjectDigest: digestOf(r.subject), kind: r.kind, channel: r.channel,
        country: r.country, otpHash, ttlSeconds: deps.otpTtlSeconds, maxAttempts: OTP_MAX_ATTEMPTS, ip: r.ip,
      });
      await insertAuditEntry(tx, { ...r.audit, userId: r.account?.id ?? null, requestId, country: r.country, outcome: r.account ? 'ok' : 'no_account' });
    });
    metrics.resetRequests.inc({ kind: r.kind, channel: r.channel, country: r.country ?? 'unknown' });
    deps.risk?.onResetRequested({ userId: r.account?.id ?? null, ip: r.ip, country: r.country, subjectDigest: digestOf(r.subject) });
    const { account, destination } = r;
    if (account && destination) {
      const sendChannel = r.channel === 'email' ? 'email' : 'sms';
      const lang = r.lang ?? account.language;
      deps.defer(() => notifier.sendOtp({ requestId, kind: r.kind, channel: sendChannel, to: destination, lang, otp, userId: account.id }));
    }
    return { requestId, expiresInSeconds: deps.otpTtlSeconds };
  }

  /**
   * True when the number's SIM changed recently (or the check could not answer
   * and policy says refuse). Asked for known and unknown numbers alike, so the
   * answer and its timing say nothing about an account.
   */
  async function simSwapBlocks(phone: string, userId: string | null, country: string | null): Promise<boolean> {
    if (!deps.simSwap) return false;
    const status = await deps.simSwap.check(phone);
    if (userId) deps.risk?.onSimSwap({ userId, status, country });
    return status === 'swapped' || (status === 'unknown' && deps.simSwapUnknownPolicy === 'refuse');
  }

  /** HTTP: any identifier; an unknown one gets a decoy request and the same answer. */
  async function start(input: StartInput) {
    const id = parseIdentifier(input.identifier, deps.defaultCountry);
    if (!id) throw new AppError('invalid_request', 'identifier must be a phone number or an email address');
    const channel = input.channel ?? (id.type === 'email' ? 'email' : 'sms');
    const audit: AuditEntry = { action: 'reset.requested', kind: input.kind, channel, subject: maskIdentifier(id.value), ip: input.ip };
    if (input.ip) await limit('startPerIp', input.ip, audit);
    await limit('startPerIdentifier', id.value, audit);

    const user = id.type === 'phone' ? await users.findActiveUserByPhone(id.value) : await users.findActiveUserByEmail(id.value);
    const destination = user ? (channel === 'sms' ? user.phone_e164 : user.email) : null;
    const country = user?.country ?? (id.type === 'phone' ? id.country ?? null : null);
    if (channel === 'sms' && id.type === 'phone' && await simSwapBlocks(id.value, user?.id ?? null, country)) {
      await audit_({ ...audit, userId: user?.id ?? null, action: 'reset.rate_limited', outcome: 'sim_swap' });
      throw new AppError('channel_refused', 'For your safety, codes cannot be sent to this number right now. Please visit a Molam agent with your ID.');
    }
    return openRequest({
      kind: input.kind, channel, subject: id.value, country, account: destination ? user : undefined, destination,
      lang: input.lang, ip: input.ip, audit,
    });
  }

  /**
   * USSD: the network vouches for the caller's number, so an unknown number
   * may be told so; a phone may complete at most MAX_RESETS_PER_30_DAYS resets.
   */
  async function startForPhone(input: { phone: string; kind: ResetKind; lang: string }) {
    const audit: AuditEntry = { action: 'reset.requested', kind: input.kind, channel: 'ussd', subject: maskIdentifier(input.phone) };
    await limit('startPerIdentifier', input.phone, audit);
    const user = await users.findActiveUserByPhone(input.phone);
    if (!user) {
      await audit_({ ...audit, outcome: 'no_account' });
      return { outcome: 'refused' as const, reason: 'no_account' as const };
    }
    if ((await requests.countCompletedResets(user.id, input.kind, 30)) >= MAX_RESETS_PER_30_DAYS) {
      await audit_({ ...audit, userId: user.id, action: 'reset.rate_limited', outcome: 'cap_reached' });
      metrics.rateLimited.inc({ scope: 'resetsPer30Days' });
      return { outcome: 'refused' as const, reason: 'cap_reached' as const };
    }
    if (await simSwapBlocks(input.phone, user.id, user.country)) {
      await audit_({ ...audit, userId: user.id, action: 'reset.rate_limited', outcome: 'sim_swap' });
      return { outcome: 'refused' as const, reason: 'sim_swap' as const };
    }
    const opened = await openRequest({
      kind: input.kind, channel: 'ussd', subject: input.phone, country: user.country, account: user,
      destination: user.phone_e164, lang: input.lang, ip: null, audit,
    });
    return { outcome: 'sent' as const, ...opened };
  }

  /** Cancels a live request (menu "start over", "not me" by SMS). */
  async function cancel(requestId: string, reason: string) {
    const row = await requests.cancelLiveRequest(requestId);
    if (row) await audit_({ action: 'reset.cancelled', outcome: reason, userId: row.user_id, requestId, kind: row.kind, channel: row.channel });
    return row !== undefined;
  }

  async function resend(requestId: string, lang?: string) {
    const otp = generateOtp();
    const row = await requests.replaceCodeOfPendingRequest(
      requestId, hashOtp(pepper, requestId, otp), deps.otpTtlSeconds, RESEND_COOLDOWN_SECONDS, MAX_SENDS_PER_REQUEST);
    if (!row) throw await resendRefusal(requestId);
    const user = row.user_id ? await users.findUserById(row.user_id) : undefined;
    const to = user && (row.channel === 'email' ? user.email : user.phone_e164);
    if (user && to) {
      const channel = row.channel === 'email' ? 'email' : 'sms';
      deps.defer(() => notifier.sendOtp({ requestId, kind: row.kind, channel, to, lang: lang ?? user.language, otp, userId: user.id, resend: true }));
    }
    return { requestId, expiresInSeconds: deps.otpTtlSeconds };
  }

  async function resendRefusal(requestId: string): Promise<AppError> {
    const row = await requests.findResetRequestById(requestId);
    if (!row) return new AppError('request_not_found', 'No such reset request');
    if (row.status !== 'pending' || row.otp_expires_at.getTime() <= Date.now()) return goneError(row.status);
    metrics.rateLimited.inc({ scope: 'resend' });
    if (row.send_count >= MAX_SENDS_PER_REQUEST) {
      return new AppError('rate_limited', 'No more codes for this request. Start a new one later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((row.otp_expires_at.getTime() - Date.now()) / 1000)), reason: 'send_cap',
      });
    }
    const wait = RESEND_COOLDOWN_SECONDS - Math.floor((Date.now() - row.last_sent_at.getTime()) / 1000);
    return new AppError('rate_limited', 'Please wait before asking for another code.', { retryAfterSeconds: Math.max(1, wait), reason: 'cooldown' });
  }

  async function verify(input: { requestId: string; otp: string; ip: string | null }) {
    if (input.ip) await limit('verifyPerIp', input.ip, { action: 'reset.rate_limited', requestId: input.requestId, ip: input.ip });
    const row = await requests.spendAttemptOnPendingRequest(input.requestId);
    if (!row) {
      const existing = await requests.findResetRequestById(input.requestId);
      if (!existing) throw new AppError('request_not_found', 'No such reset request');
      throw goneError(existing.status);
    }
    const entry: AuditEntry = { action: 'reset.code_failed', userId: row.user_id, requestId: row.id, kind: row.kind, channel: row.channel, country: row.country, ip: input.ip };
    if (row.expired) {
      await requests.markRequestStatus(row.id, 'pending', 'expired');
      await recordFailure(row, entry, 'expired');
      throw goneError('expired');
    }
    if (!otpMatches(pepper, row.id, input.otp, row.otp_hash)) return refuseWrongCode(row, entry);

    const jti = randomUUID();
    if (!(await requests.markRequestVerified(row.id, jti))) throw goneError('verified');
    metrics.otpVerifications.inc({ kind: row.kind, result: 'ok' });
    deps.risk?.onOtpResult({ kind: row.kind, country: row.country, ip: input.ip, subjectDigest: row.subject_digest, ok: true });
    await audit_({ ...entry, action: 'reset.verified' });
    const resetToken = await tokens.sign({ requestId: row.id, jti, kind: row.kind });
    return { resetToken, expiresInSeconds: deps.resetTokenTtlSeconds, kind: row.kind };
  }

  async function recordFailure(row: ResetRequestRow, entry: AuditEntry, reason: 'invalid' | 'expired' | 'locked') {
    metrics.otpFailures.inc({ kind: row.kind, reason });
    deps.risk?.onOtpResult({ kind: row.kind, country: row.country, ip: entry.ip ?? null, subjectDigest: row.subject_digest, ok: false });
    metrics.otpVerifications.inc({ kind: row.kind, result: reason });
    await audit_({ ...entry, action: reason === 'expired' ? 'reset.expired' : reason === 'locked' ? 'reset.locked' : 'reset.code_failed', outcome: reason });
  }

  async function refuseWrongCode(row: ResetRequestRow, entry: AuditEntry): Promise<never> {
    const attemptsLeft = row.max_attempts - row.attempts;
    let overAccountCap = false;
    try {
      // Wrong codes also count per identifier across requests: a new request does not buy new guesses.
      await limiter.consume('otpFailuresPerUser', row.subject_digest);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'rate_limited')) throw err;
      overAccountCap = true;
    }
    if (attemptsLeft <= 0 || overAccountCap) {
      await requests.markRequestStatus(row.id, 'pending', 'locked');
      await recordFailure(row, entry, 'locked');
      throw goneError('locked');
    }
    await recordFailure(row, entry, 'invalid');
    throw new AppError('otp_invalid', 'Wrong code.', { attemptsLeft });
  }

  return { start, startForPhone, cancel, resend, verify };
}

export type ResetService = ReturnType<typeof createResetService>;
