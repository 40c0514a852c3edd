/** KvStore on Redis (ioredis). Multi-key atomicity comes from Lua scripts. */
import type { Redis } from 'ioredis';
import type { KvStore } from './kv-store.js';

// KEYS[1] = lock key, ARGV[1] = the owner's token.
const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1] = guard key (or a placeholder when unguarded), KEYS[2..n+1] = write keys,
// KEYS[n+2] = lock key to release (when ARGV[4] ~= '');
// ARGV[1] = mode ('none' | 'absent' | 'equals'), ARGV[2] = expected value, ARGV[3] = n,
// ARGV[4] = lock value to release or '', then (value, ttlMs) pairs in the order of the write keys.
const GUARDED_COMMIT = `
local mode = ARGV[1]
if mode ~= 'none' then
  local current = redis.call('GET', KEYS[1])
  if mode == 'absent' and current then return 0 end
  if mode == 'equals' and current ~= ARGV[2] then return 0 end
end
local n = tonumber(ARGV[3])
for i = 1, n do
  redis.call('SET', KEYS[i + 1], ARGV[3 + 2 * i], 'PX', ARGV[4 + 2 * i])
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[n + 2]) == ARGV[4] then redis.call('DEL', KEYS[n + 2]) end
return 1`;

export function createRedisKvStore(redis: Redis): KvStore {
  return {
    kind: 'redis',
    get: (key) => redis.get(key),
    getMany: async (keys) => (keys.length === 0 ? [] : redis.mget(...keys)),
    async set(key, value, ttlMs) {
      await redis.set(key, value, 'PX', ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async delete(key) {
      await redis.del(key);
    },
    async deleteIfEquals(key, value) {
      return (await redis.eval(DELETE_IF_EQUALS, 1, key, value)) === 1;
    },
    async commit(writes, guard, release) {
      const mode = !guard ? 'none' : guard.equals === null ? 'absent' : 'equals';
      const keys = [guard?.key ?? writes[0]?.key ?? 'unused', ...writes.map((w) => w.key), ...(release ? [release.key] : [])];
      const args = [mode, guard?.equals ?? '', String(writes.length), release?.value ?? '',
        ...writes.flatMap((w) => [w.value, String(Math.max(1, Math.round(w.ttlMs)))])];
      return (await redis.eval(GUARDED_COMMIT, keys.length, ...keys, ...args)) === 1;
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
