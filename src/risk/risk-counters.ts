/**
 * Rolling-window counters for the risk monitor, in Redis (shared by every
 * instance) or in process (embedded dev mode). Counts use ten buckets per
 * window (INCRBY + PEXPIRE, summed with MGET): cheap at any traffic. Distinct
 * members (users per IP) use a sorted set trimmed to the window.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { RedisClient } from '../store/redis-client.js';

export interface RiskCounters {
  /** Adds `by` to key's rolling window; returns the window's total. */
  increment(key: string, windowMs: number, by?: number): Promise<number>;
  /** The window's total, without adding. */
  read(key: string, windowMs: number): Promise<number>;
  /** Records member under key; returns how many distinct members the window holds. */
  addDistinct(key: string, member: string, windowMs: number): Promise<number>;
  /** True only for the first claim of key within ttlMs (deduplication across instances). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  setFlag(key: string, ttlMs: number): Promise<void>;
  hasFlag(key: string): Promise<boolean>;
}

const BUCKETS = 10;
const bucketsOf = (key: string, windowMs: number, now: number) => {
  const size = Math.max(1, Math.ceil(windowMs / BUCKETS));
  const current = Math.floor(now / size);
  return { size, keys: Array.from({ length: BUCKETS }, (_, i) => `${key}:${size}:${current - i}`) };
};

/**
 * Keys are `risk:` and an HMAC of the counter's name (the app's Redis client adds its own prefix
 * before that): names carry IPs, user ids and request ids, which Redis must not hold in clear.
 * Distinct members (user ids) are stored the same way; counting them needs no clear value.
 */
export function createRedisRiskCounters(
  redis: RedisClient,
  opts: { pepper: string; clock?: () => number },
): RiskCounters {
  const clock = opts.clock ?? Date.now;
  const macKey = Buffer.from(hkdfSync('sha256', opts.pepper, Buffer.alloc(0), 'molam-id:risk-keys', 32));
  const mac = (value: string) => createHmac('sha256', macKey).update(value).digest('base64url').slice(0, 32);
  // The MAC is a hash tag: a counter's ten bucket keys share a Redis Cluster slot, so one MULTI/MGET may name them all.
  const k = (key: string) => `risk:{${mac(key)}}`;
  const sum = (values: Array<string | null>) => values.reduce((n, v) => n + (v ? Number(v) : 0), 0);
  return {
    async increment(key, windowMs, by = 1) {
      const { size, keys } = bucketsOf(k(key), windowMs, clock());
      const res = await redis
        .multi()
        .incrby(keys[0]!, by)
        .pexpire(keys[0]!, windowMs + size)
        .mget(...keys)
        .exec();
      const mget = res?.[2]?.[1] as Array<string | null> | undefined;
      if (!mget) throw new Error('risk counters: redis transaction failed');
      return sum(mget);
    },
    async read(key, windowMs) {
      return sum(await redis.mget(...bucketsOf(k(key), windowMs, clock()).keys));
    },
    async addDistinct(key, member, windowMs) {
      const now = clock();
      const res = await redis
        .multi()
        .zadd(k(key), now, mac(member))
        .zremrangebyscore(k(key), '-inf', now - windowMs)
        .zcard(k(key))
        .pexpire(k(key), windowMs)
        .exec();
      const count = res?.[2]?.[1];
      if (typeof count !== 'number') throw new Error('risk counters: redis transaction failed');
      return count;
    },
    async claim(key, ttlMs) {
      return (await redis.set(k(key), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async setFlag(key, ttlMs) {
      await redis.set(k(key), '1', 'PX', ttlMs);
    },
    async hasFlag(key) {
      return (await redis.exists(k(key))) === 1;
    },
  };
}

/** In-process counters: one instance only (dev mode, tests). Expired entries are swept as the map grows. */
export function createMemoryRiskCounters(clock: () => number = Date.now): RiskCounters {
  const values = new Map<string, { value: number; expiresAt: number }>();
  const sets = new Map<string, Map<string, number>>();
  const live = (key: string) => {
    const e = values.get(key);
    if (e && e.expiresAt <= clock()) values.delete(key);
    return e && e.expiresAt > clock() ? e : undefined;
  };
  const sweep = () => {
    if (values.size < 10_000) return;
    for (const key of values.keys()) live(key);
  };
  const read = async (key: string, windowMs: number) =>
    bucketsOf(key, windowMs, clock()).keys.reduce((n, b) => n + (live(b)?.value ?? 0), 0);
  return {
    async increment(key, windowMs, by = 1) {
      sweep();
      const { size, keys } = bucketsOf(key, windowMs, clock());
      const current = live(keys[0]!);
      values.set(keys[0]!, { value: (current?.value ?? 0) + by, expiresAt: clock() + windowMs + size });
      return read(key, windowMs);
    },
    read,
    async addDistinct(key, member, windowMs) {
      const now = clock();
      if (sets.size >= 10_000) {
        for (const [k, m] of sets) if (Math.max(...m.values()) <= now - windowMs) sets.delete(k);
      }
      const members = sets.get(key) ?? new Map<string, number>();
      members.set(member, now);
      for (const [m, at] of members) if (at <= now - windowMs) members.delete(m);
      sets.set(key, members);
      return members.size;
    },
    async claim(key, ttlMs) {
      if (live(key)) return false;
      values.set(key, { value: 1, expiresAt: clock() + ttlMs });
      return true;
    },
    async setFlag(key, ttlMs) {
      values.set(key, { value: 1, expiresAt: clock() + ttlMs });
    },
    async hasFlag(key) {
      return live(key) !== undefined;
    },
  };
}
