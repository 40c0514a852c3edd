/**
 * Rate limits, on rate-limiter-flexible: Redis-backed counters shared by every
 * instance, with an in-process "insurance" limiter that keeps limiting (per
 * process) while Redis is unreachable, instead of failing open or failing hard.
 * Keys are HMACs of the identifier, so Redis never holds a phone number.
 */
import { createHmac } from 'node:crypto';
import type { RedisClient } from '../store/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

export interface LimitRule {
  points: number;
  durationSeconds: number;
}

/** The limits chosen; each one is in the closing note of the foundation issue. */
export const DEFAULT_LIMITS = {
  /** Reset starts per identifier (phone or email): OWASP "don't flood the user's SMS". */
  startPerIdentifier: { points: 5, durationSeconds: 3600 },
  /** Reset starts per client IP. */
  startPerIp: { points: 30, durationSeconds: 3600 },
  /** Code checks per client IP (on top of 5 tries per request). */
  verifyPerIp: { points: 60, durationSeconds: 300 },
  /**
   * Code compares per account (user, or identifier digest for a decoy) across
   * requests and kinds, taken before the compare and given back for a right
   * code: new requests don't buy new guesses. 10 a day and 50 in 30 days keep
   * an account under NIST SP 800-63B's 100 failed attempts.
   */
  otpGuessesPerAccountDay: { points: 10, durationSeconds: 86_400 },
  otpGuessesPerAccount30Days: { points: 50, durationSeconds: 30 * 86_400 },
  /** Completions per client IP. */
  completePerIp: { points: 30, durationSeconds: 300 },
  /** SMS codes per phone number per hour, counting starts and resends (SMS-pumping guard). */
  smsPerPhone: { points: 8, durationSeconds: 3600 },
  /** SMS codes per country per hour: pumping fraud targets one country's premium ranges. */
  smsPerCountry: { points: 2000, durationSeconds: 3600 },
  /** Wrong USSD knowledge answers per phone: 3 in 7 days, then self-service waits (Safaricom locks 7 days). */
  knowledgeFailuresPerPhone: { points: 3, durationSeconds: 7 * 86_400 },
  /**
   * Starts for numbers with no account, per country per hour: no SMS goes out, but each leaves a
   * decoy row. Its own budget, so made-up numbers never spend smsPerCountry; 2.5× that budget, so
   * honest typos never reach it first, while decoy rows stay bounded (120,000 a day per country).
   */
  unknownStartsPerCountry: { points: 5000, durationSeconds: 3600 },
  /** SMS codes per account asked for through its email, per hour: never the phone's own counter (no email↔phone oracle). */
  emailSmsPerAccount: { points: 5, durationSeconds: 3600 },
  /** Paid replies to inbound SMS per number per hour: enough for a code, a retry and a STOP. */
  smsRepliesPerPhone: { points: 5, durationSeconds: 3600 },
} as const satisfies Record<string, LimitRule>;

export type LimitName = keyof typeof DEFAULT_LIMITS;
export type Limits = Record<LimitName, LimitRule>;

/** startPerIdentifier → RATE_LIMIT_START_PER_IDENTIFIER; otpGuessesPerAccount30Days → RATE_LIMIT_OTP_GUESSES_PER_ACCOUNT_30_DAYS. */
export const rateLimitEnvName = (name: LimitName) => `RATE_LIMIT_${name.replace(/([A-Z]|\d+)/g, '_$1').toUpperCase()}`;

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_WINDOW_SECONDS = 366 * 86_400;

/**
 * Limits set by environment, RATE_LIMIT_<NAME>=<points>/<window> (window in seconds,
 * or with a unit: 30m, 1h, 7d); unset = DEFAULT_LIMITS. An unknown RATE_LIMIT_ name is
 * a problem too: a typo must not leave a default in place silently.
 */
export function rateLimitsFromEnv(source: Record<string, string | undefined>): {
  limits: Partial<Limits>;
  problems: string[];
} {
  const byEnvName = new Map((Object.keys(DEFAULT_LIMITS) as LimitName[]).map((name) => [rateLimitEnvName(name), name]));
  const limits: Partial<Limits> = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(source)) {
    if (!key.startsWith('RATE_LIMIT_') || raw === undefined || raw.trim() === '') continue;
    const name = byEnvName.get(key);
    if (!name) {
      problems.push(`${key}: no such limit (known: ${[...byEnvName.keys()].join(', ')})`);
      continue;
    }
    const m = /^(\d{1,7})\/(\d{1,8})([smhd]?)$/.exec(raw.trim());
    const points = Number(m?.[1]);
    const durationSeconds = Number(m?.[2]) * UNIT_SECONDS[m?.[3] ?? '']!;
    if (!m || points < 1 || durationSeconds < 1 || durationSeconds > MAX_WINDOW_SECONDS) {
      problems.push(
        `${key}: expected <points>/<window>, e.g. ${DEFAULT_LIMITS[name].points}/${DEFAULT_LIMITS[name].durationSeconds} or 5/1h (points >= 1, window 1 s..366 d)`,
      );
      continue;
    }
    limits[name] = { points, durationSeconds };
  }
  return { limits, problems };
}

export interface RateLimiterOptions {
  redis?: RedisClient;
  keyPrefix: string;
  pepper: string;
  limits?: Partial<Limits>;
  onLimited?: (name: LimitName) => void;
}

/**
 * The in-process limiter drops a key when a timer of the window's length fires,
 * and Node fires a timer longer than 2^31-1 ms (24.8 days) after 1 ms: its
 * windows stop at 24 days. The 30-day guess budget held in process (no Redis, or
 * Redis unreachable) is then 50 per 24 days: about 62 a month, still under
 * NIST SP 800-63B's 100.
 */
const MEMORY_WINDOW_MAX_SECONDS = 24 * 86_400;

export function createRateLimiter({ redis, keyPrefix, pepper, limits, onLimited }: RateLimiterOptions) {
  const rules: Limits = { ...DEFAULT_LIMITS, ...limits };
  const limiters = new Map<LimitName, RateLimiterAbstract>();
  for (const [name, rule] of Object.entries(rules) as [LimitName, LimitRule][]) {
    const base = { keyPrefix: `${keyPrefix}rl:${name}`, points: rule.points, duration: rule.durationSeconds };
    const memory = new RateLimiterMemory({ ...base, duration: Math.min(base.duration, MEMORY_WINDOW_MAX_SECONDS) });
    limiters.set(
      name,
      redis ? new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: memory }) : memory,
    );
  }
  const keyOf = (value: string) => createHmac('sha256', pepper).update(value).digest('base64url').slice(0, 27);

  return {
    /** True when subject has used up its allowance (without counting a hit). */
    async isExhausted(name: LimitName, subject: string): Promise<boolean> {
      const res = await limiters.get(name)!.get(keyOf(subject));
      return res !== null && res.consumedPoints >= rules[name].points;
    },
    /** Seconds until subject may be counted again; 0 when its allowance is not used up. */
    async secondsUntilFree(name: LimitName, subject: string): Promise<number> {
      const res = await limiters.get(name)!.get(keyOf(subject));
      return res !== null && res.consumedPoints >= rules[name].points
        ? Math.max(1, Math.ceil(res.msBeforeNext / 1000))
        : 0;
    },
    /** Gives back one hit counted by consume (e.g. a guess that turned out right). */
    async reward(name: LimitName, subject: string): Promise<void> {
      await limiters.get(name)!.reward(keyOf(subject), 1);
    },
    /** Counts one hit; throws AppError('rate_limited') with retryAfterSeconds when over the limit. */
    async consume(name: LimitName, subject: string): Promise<void> {
      try {
        await limiters.get(name)!.consume(keyOf(subject));
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        onLimited?.(name);
        const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new AppError('rate_limited', 'Too many attempts. Please wait before trying again.', {
          retryAfterSeconds,
        });
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
