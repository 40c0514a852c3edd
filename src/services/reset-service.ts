/**
 * The reset flow's first half, for every channel: start a request (send a
 * code), resend it, cancel it; verifying lives in code-verification.ts. Known and unknown identifiers take the same
 * path — the same queries, the same answer — and only a real account gets a
 * message, sent after the answer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ResetKind } from '../../machines/types.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { maskIdentifier } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { insertAuditEntry, type AuditEntry } from '../queries/audit.queries.js';
import { createResetRequestQueries, insertResetRequest, type ResetChannel } from '../queries/reset-requests.queries.js';
import { createUserQueries, type UserRow } from '../queries/users.queries.js';
import { generateOtp, hashOtp } from '../security/otp.js';
import type { RiskMonitor } from '../risk/risk-monitor.js';
import type { SimSwapChecker, SimSwapStatus } from '../risk/sim-swap.js';
import type { ResetTokens } from '../security/reset-token.js';
import { createAccountLockout } from './account-lockout.js';
import { createCodeVerifier, OTP_MAX_ATTEMPTS } from './code-verification.js';
import { normalizePhone, parseIdentifier, type Identifier } from './identifiers.js';
import type { Notifier } from './notifier.js';
import type { RateLimiter } from './rate-limits.js';
import { createAuditedLimit, goneError } from './reset-guards.js';

/** Security defaults (DESIGN.md): 5 tries per code (code-verification.ts), 60 s between sends, 5 sends per request. */
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
  /** Countries whose numbers may receive codes by SMS; empty = all. */
  smsAllowedCountries?: ReadonlySet<string>;
  /** False when no email provider is configured (production without SES). */
  emailEnabled?: boolean;
}

export interface StartInput {
  kind: ResetKind;
  identifier: string;
  channel?: 'sms' | 'email';
  lang?: string;
  ip: string | null;
}

export function createResetService(deps: ResetServiceDeps) {
  const { db, limiter, notifier, tokens, metrics, pepper } = deps;
  const users = createUserQueries(db);
  const requests = createResetRequestQueries(db);
  const audit_ = (entry: AuditEntry) => insertAuditEntry(db, entry);
  const digestOf = (identifier: string) => hashOtp(pepper, 'subject', identifier);

  const limit = createAuditedLimit(limiter, audit_);
  const lockout = createAccountLockout({ db, limiter, metrics, audit: audit_ });

  interface OpenRequest {
    /** Chosen before the answer (HTTP answers first); a new one otherwise. */
    requestId?: string;
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
    const requestId = r.requestId ?? randomUUID();
    const otp = generateOtp();
    // A decoy stores a hash no code can match, computed the same way for equal timing.
    const otpHash = hashOtp(pepper, requestId, r.account ? otp : randomBytes(16).toString('hex'));
    await db.transaction(async (tx) => {
      await insertResetRequest(tx, {
        id: requestId,
        userId: r.account?.id ?? null,
        subjectDigest: digestOf(r.subject),
        kind: r.kind,
        channel: r.channel,
        country: r.country,
        otpHash,
        ttlSeconds: deps.otpTtlSeconds,
        maxAttempts: OTP_MAX_ATTEMPTS,
        ip: r.ip,
      });
      await insertAuditEntry(tx, {
        ...r.audit,
        userId: r.account?.id ?? null,
        requestId,
        country: r.country,
        outcome: r.account ? 'ok' : 'no_account',
      });
    });
    metrics.resetRequests.inc({ kind: r.kind, channel: r.channel, country: r.country ?? 'unknown' });
    deps.risk?.onResetRequested({
      userId: r.account?.id ?? null,
      ip: r.ip,
      country: r.country,
      subjectDigest: digestOf(r.subject),
    });
    const { account, destination } = r;
    if (account && destination) {
      const sendChannel = r.channel === 'email' ? 'email' : 'sms';
      const lang = r.lang ?? account.language;
      deps.defer(() =>
        notifier.sendOtp({
          requestId,
          kind: r.kind,
          channel: sendChannel,
          to: destination,
          lang,
          otp,
          userId: account.id,
        }),
      );
    }
    return { requestId, expiresInSeconds: deps.otpTtlSeconds };
  }

  /** The SIM-swap verdict for a number (null when no checker is configured). */
  const simSwapOf = async (phone: string): Promise<SimSwapStatus | null> =>
    deps.simSwap ? deps.simSwap.check(phone) : null;
  /** A recent swap refuses SMS codes; so does an unanswered check when policy says refuse. */
  const swapBlocks = (status: SimSwapStatus | null) =>
    status === 'swapped' || (status === 'unknown' && deps.simSwapUnknownPolicy === 'refuse');
  const noteSimSwap = (userId: string, status: SimSwapStatus | null, country: string | null) => {
    if (status) deps.risk?.onSimSwap({ userId, status, country });
  };

  const countryOf = (phone: string) => normalizePhone(phone, deps.defaultCountry)?.country ?? null;
  const countryServed = (country: string | null) => {
    const allowed = deps.smsAllowedCountries;
    return !allowed || allowed.size === 0 || (country !== null && allowed.has(country));
  };
  /** A spent budget as false instead of an error: after the answer a refusal only makes a decoy. */
  const within = (spend: Promise<void>) =>
    spend.then(
      () => true,
      () => false,
    );

  /**
   * SMS-pumping guard, applied before any lookup so known and unknown numbers
   * are treated alike: a country allowlist, then a cap per number. The country
   * budget is spent later, only on an SMS that really goes out (item 9).
   */
  async function guardSms(phoneDigest: string, country: string | null, audit: AuditEntry) {
    if (!countryServed(country)) {
      metrics.rateLimited.inc({ scope: 'smsCountryNotAllowed' });
      await audit_({ ...audit, action: 'reset.rate_limited', outcome: 'country_not_allowed', country });
      throw new AppError('channel_refused', 'Codes cannot be sent by SMS to numbers of this country.');
    }
    await limit('smsPerPhone', phoneDigest, audit);
  }

  /**
   * After the answer: may a real account's SMS code go out? An email identifier gets the
   * phone's checks here, counted per account and never on the phone's own counter (a later
   * 429 on the phone would reveal the email↔phone link, item 17). Last, the country budget.
   */
  async function smsMayGo(user: UserRow, phone: string, id: Identifier, audit: AuditEntry): Promise<boolean> {
    const country = countryOf(phone);
    const entry = { ...audit, userId: user.id };
    if (id.type === 'email') {
      if (!countryServed(country) || !(await within(limit('emailSmsPerAccount', user.id, entry)))) return false;
      const swap = await simSwapOf(phone);
      noteSimSwap(user.id, swap, country);
      if (swapBlocks(swap)) return false;
    }
    return within(limit('smsPerCountry', country ?? 'unknown', entry));
  }

  /**
   * HTTP: any identifier. Before the answer runs only what is the same for a
   * known and an unknown identifier (validation, limits, SIM swap of a phone
   * identifier, the account lookup — which also answers 503 when the database
   * is down); the request row (a decoy for an unknown identifier) and the send
   * run after it, so both are answered alike and in the same time (npm run bench).
   * The budgets that depend on the account (per country, per account) are spent
   * after the answer too: a spent one makes a decoy, it never changes the answer.
   */
  async function start(input: StartInput) {
    const id = parseIdentifier(input.identifier, deps.defaultCountry);
    if (!id) throw new AppError('invalid_request', 'identifier must be a phone number or an email address');
    const channel = input.channel ?? (id.type === 'email' ? 'email' : 'sms');
    // A deployment without an email provider says so for everyone (configuration, not account data).
    if (channel === 'email' && deps.emailEnabled === false)
      throw new AppError('channel_refused', 'Codes cannot be sent by email on this service.');
    const audit: AuditEntry = {
      action: 'reset.requested',
      kind: input.kind,
      channel,
      subject: maskIdentifier(id.value),
      ip: input.ip,
    };
    if (input.ip) await limit('startPerIp', input.ip, audit);
    await limit('startPerIdentifier', id.value, audit);
    let swap: SimSwapStatus | null = null;
    if (channel === 'sms' && id.type === 'phone') {
      await guardSms(digestOf(id.value), id.country ?? null, audit);
      swap = await simSwapOf(id.value);
      if (swapBlocks(swap)) {
        await audit_({ ...audit, action: 'reset.rate_limited', outcome: 'sim_swap' });
        throw new AppError(
          'channel_refused',
          'For your safety, codes cannot be sent to this number right now. Please visit a Molam agent with your ID.',
        );
      }
    }
    const user =
      id.type === 'phone' ? await users.findActiveUserByPhone(id.value) : await users.findActiveUserByEmail(id.value);
    const requestId = randomUUID();
    deps.defer(() => openForIdentifier(requestId, id, user, channel, input, audit, swap));
    return { requestId, expiresInSeconds: deps.otpTtlSeconds };
  }

  async function openForIdentifier(
    requestId: string,
    id: Identifier,
    user: UserRow | undefined,
    channel: 'sms' | 'email',
    input: StartInput,
    audit: AuditEntry,
    swap: SimSwapStatus | null,
  ) {
    const country = user?.country ?? (id.type === 'phone' ? (id.country ?? null) : null);
    // Made-up numbers spend their own budget (silently: no audit row either); past it they leave no decoy row.
    if (
      !user &&
      id.type === 'phone' &&
      !(await within(limiter.consume('unknownStartsPerCountry', country ?? 'unknown')))
    )
      return;
    if (user) noteSimSwap(user.id, swap, country);
    let destination = user ? (channel === 'sms' ? user.phone_e164 : user.email) : null;
    // An account cooling off after a lock gets a decoy: the same 202, nothing sent (item 6).
    if (user && (await lockout.coolOffOfAccount(user.id, audit)) > 0) destination = null;
    // A refusal makes the request a decoy (nothing sent) instead of an answer that would reveal the account.
    if (user && destination && channel === 'sms' && !(await smsMayGo(user, destination, id, audit))) destination = null;
    await openRequest({
      requestId,
      kind: input.kind,
      channel,
      subject: id.value,
      country,
      account: destination ? user : undefined,
      destination,
      lang: input.lang,
      ip: input.ip,
      audit,
    });
  }

  /**
   * USSD: the network vouches for the caller's number, so an unknown number
   * may be told so; a phone may complete at most MAX_RESETS_PER_30_DAYS resets.
   */
  async function startForPhone(input: { phone: string; kind: ResetKind; lang: string }) {
    const audit: AuditEntry = {
      action: 'reset.requested',
      kind: input.kind,
      channel: 'ussd',
      subject: maskIdentifier(input.phone),
    };
    // After a lock nothing is sent until the cool-off ends; the screen says how long (item 6).
    const coolOff = await lockout.coolOffOfPhone(input.phone, audit);
    if (coolOff > 0) return { outcome: 'blocked' as const, retryAfterSeconds: coolOff };
    await limit('startPerIdentifier', input.phone, audit);
    const country = countryOf(input.phone);
    await guardSms(digestOf(input.phone), country, audit);
    const user = await users.findActiveUserByPhone(input.phone);
    if (!user) {
      // Unknown numbers spend their own budget, never the one real accounts' codes need (item 9).
      await limit('unknownStartsPerCountry', country ?? 'unknown', audit);
      await audit_({ ...audit, outcome: 'no_account' });
      return { outcome: 'refused' as const, reason: 'no_account' as const };
    }
    if ((await requests.countCompletedResets(user.id, input.kind, 30)) >= MAX_RESETS_PER_30_DAYS) {
      await audit_({ ...audit, userId: user.id, action: 'reset.rate_limited', outcome: 'cap_reached' });
      metrics.rateLimited.inc({ scope: 'resetsPer30Days' });
      return { outcome: 'refused' as const, reason: 'cap_reached' as const };
    }
    const swap = await simSwapOf(input.phone);
    noteSimSwap(user.id, swap, user.country);
    if (swapBlocks(swap)) {
      await audit_({ ...audit, userId: user.id, action: 'reset.rate_limited', outcome: 'sim_swap' });
      return { outcome: 'refused' as const, reason: 'sim_swap' as const };
    }
    await limit('smsPerCountry', country ?? 'unknown', { ...audit, userId: user.id });
    const opened = await openRequest({
      kind: input.kind,
      channel: 'ussd',
      subject: input.phone,
      country: user.country,
      account: user,
      destination: user.phone_e164,
      lang: input.lang,
      ip: null,
      audit,
    });
    return { outcome: 'sent' as const, ...opened };
  }

  /** Cancels a live request (menu "start over", "not me" by SMS). */
  async function cancel(requestId: string, reason: string) {
    const row = await requests.cancelLiveRequest(requestId);
    if (row)
      await audit_({
        action: 'reset.cancelled',
        outcome: reason,
        userId: row.user_id,
        requestId,
        kind: row.kind,
        channel: row.channel,
      });
    return row !== undefined;
  }

  async function resend(requestId: string, lang?: string) {
    const current = await requests.findResetRequestById(requestId);
    if (current && current.channel !== 'email' && current.status === 'pending') {
      await limit('smsPerPhone', current.subject_digest, {
        action: 'reset.code_resent',
        requestId,
        kind: current.kind,
        channel: current.channel,
      });
    }
    const otp = generateOtp();
    const row = await requests.replaceCodeOfPendingRequest(
      requestId,
      hashOtp(pepper, requestId, otp),
      deps.otpTtlSeconds,
      RESEND_COOLDOWN_SECONDS,
      MAX_SENDS_PER_REQUEST,
    );
    if (!row) throw await resendRefusal(requestId);
    const user = row.user_id ? await users.findUserById(row.user_id) : undefined;
    const to = user && (row.channel === 'email' ? user.email : user.phone_e164);
    if (user && to) {
      const channel = row.channel === 'email' ? 'email' : 'sms';
      deps.defer(() =>
        notifier.sendOtp({
          requestId,
          kind: row.kind,
          channel,
          to,
          lang: lang ?? user.language,
          otp,
          userId: user.id,
          resend: true,
        }),
      );
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
        retryAfterSeconds: Math.max(1, Math.ceil((row.otp_expires_at.getTime() - Date.now()) / 1000)),
        reason: 'send_cap',
      });
    }
    const wait = RESEND_COOLDOWN_SECONDS - Math.floor((Date.now() - row.last_sent_at.getTime()) / 1000);
    return new AppError('rate_limited', 'Please wait before asking for another code.', {
      retryAfterSeconds: Math.max(1, wait),
      reason: 'cooldown',
    });
  }

  return {
    start,
    startForPhone,
    cancel,
    resend,
    verify: createCodeVerifier({ ...deps, limit, lockout, audit: audit_ }).verify,
  };
}

export type ResetService = ReturnType<typeof createResetService>;
