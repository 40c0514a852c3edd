import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import { AppError } from '../errors.js';

/**
 * Lowest bcrypt cost this module accepts. Production config enforces ≥ 12
 * (DESIGN "Security defaults"); 10 is allowed only so unit tests stay fast.
 */
export const MIN_BCRYPT_COST = 10;
// bcrypt's own ceiling: the cost is a 5-bit exponent.
const MAX_BCRYPT_COST = 31;

export interface SecretHasherOptions {
  /** Server-side secret mixed into every hash; never stored with the hashes. */
  pepper: string;
  /** bcrypt cost (log2 rounds): ≥ 12 in production, ≥ 10 accepted for tests. */
  cost: number;
  /** bcrypt runs at once at most; default: one core fewer than the machine has (at least 1). */
  maxConcurrent?: number;
  /**
   * bcrypt runs that may wait for a slot; past it the hasher answers busy (503)
   * at once. Default: 8 per slot. At cost 12 (about 200 ms a hash here) the last
   * one waits about 1.6 s, and a USSD hop's own 3 history compares add 0.6 s:
   * about 2.2 s, well inside the 5 s hop deadline; HTTP callers wait as little.
   */
  maxQueued?: number;
}

/** Default queue length per concurrent bcrypt run (see SecretHasherOptions.maxQueued). */
export const QUEUED_PER_SLOT = 8;

/** The bcrypt queue is full: retry shortly (HTTP 503 with Retry-After; USSD ends politely). */
export const hasherBusyError = () =>
  new AppError('service_unavailable', 'The service is busy. Please try again in a few seconds.', {
    retryAfterSeconds: 5,
  });

/**
 * Runs at most `limit` tasks at once, with at most `maxWaiting` waiting. bcrypt
 * saturating every core starves the event loop (npm run bench: 31 ms event-loop
 * p99 with 4 bcrypt threads on 2 cores); keeping a core free keeps USSD hops
 * inside the telco deadline, and a bounded queue keeps a flood from making
 * every caller wait behind it.
 */
export function createConcurrencyGate(limit: number, maxWaiting = Number.POSITIVE_INFINITY) {
  let running = 0;
  const waiting: Array<() => void> = [];

  async function runOne<T>(task: () => Promise<T>): Promise<T> {
    // Synchronous up to here, so admission counts are exact when several tasks enter together.
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      // A waiter inherits the slot: nobody can slip in between and exceed `limit`.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  }

  /** Runs every task, or none (throws hasherBusyError) when they would not all fit in the queue. */
  function all<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
    const mustWait = Math.max(0, tasks.length - Math.max(0, limit - running));
    if (waiting.length + mustWait > maxWaiting) return Promise.reject(hasherBusyError());
    return Promise.all(tasks.map(runOne));
  }

  const run = async <T>(task: () => Promise<T>): Promise<T> => (await all([task]))[0]!;
  return Object.assign(run, { all, waiting: () => waiting.length });
}

/** Hashes and verifies PINs and passwords: bcrypt(cost) over an HMAC-with-pepper of the secret. */
export function createSecretHasher({
  pepper,
  cost,
  maxConcurrent = Math.max(1, availableParallelism() - 1),
  maxQueued = QUEUED_PER_SLOT * maxConcurrent,
}: SecretHasherOptions) {
  if (pepper.length === 0) throw new Error('secret hasher: pepper must not be empty');
  if (!Number.isInteger(cost) || cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) {
    throw new Error(
      `secret hasher: bcrypt cost must be an integer in ${MIN_BCRYPT_COST}..${MAX_BCRYPT_COST}, got ${cost}`,
    );
  }

  // The pre-hash is 44 base64 characters: bcrypt never sees more than its
  // 72-byte limit (so long passphrases are not silently truncated), never sees
  // a NUL byte, and a stolen table cannot be cracked without the pepper.
  const preHash = (secret: string): string => createHmac('sha256', pepper).update(secret, 'utf8').digest('base64');
  const gate = createConcurrencyGate(maxConcurrent, maxQueued);
  const compare = (secret: string, storedHash: string) => async () => {
    try {
      return await bcrypt.compare(preHash(secret), storedHash);
    } catch {
      // bcrypt throws on a missing/non-string hash; treat it like a mismatch.
      return false;
    }
  };

  return {
    /** bcrypt hash to store, e.g. "$2b$12$...". */
    hash(secret: string): Promise<string> {
      return gate(() => bcrypt.hash(preHash(secret), cost));
    },

    /** Whether `secret` matches `storedHash`; a malformed stored hash gives false, never an error. */
    verify(secret: string, storedHash: string): Promise<boolean> {
      return gate(compare(secret, storedHash));
    },

    /**
     * Whether `secret` matches any of `storedHashes` (a credential history).
     * The compares are queued together or not at all, so a busy answer costs no bcrypt work.
     */
    async matchesAny(secret: string, storedHashes: readonly string[]): Promise<boolean> {
      return (await gate.all(storedHashes.map((h) => compare(secret, h)))).some(Boolean);
    },

    /**
     * Fast keyed digest (hex) of a secret within a scope, e.g. the first PIN
     * entry kept in a dialog snapshot until the confirmation arrives. The scope
     * (dialog or request id) stops a digest from being replayed elsewhere.
     */
    digest(secret: string, scope: string): string {
      return createHmac('sha256', pepper).update(`${scope}:${secret}`, 'utf8').digest('hex');
    },
  };
}

/** The hasher built by {@link createSecretHasher}. */
export type SecretHasher = ReturnType<typeof createSecretHasher>;

/** Constant-time equality of two digests (or any strings); never throws. */
export function digestsEqual(a: string, b: string): boolean {
  // Hashing both sides gives equal-length buffers, so neither the lengths nor
  // the position of the first difference shows in the timing.
  const da = createHash('sha256').update(String(a), 'utf8').digest();
  const db = createHash('sha256').update(String(b), 'utf8').digest();
  return timingSafeEqual(da, db) && typeof a === 'string' && typeof b === 'string';
}
