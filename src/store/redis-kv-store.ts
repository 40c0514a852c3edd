/**
 * KvStore on Redis (ioredis). Multi-key atomicity comes from Lua scripts,
 * registered once with defineCommand: each call sends the script's SHA
 * (EVALSHA), not its text. ioredis applies the key prefix to their KEYS.
 */
import type { Redis } from 'ioredis';
import type { KvStore } from './kv-store.js';

// KEYS[1] = lock key, ARGV[1] = the owner's token.
const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS = [stop key if ARGV[1] == '1'], ARGV[2] read keys, the lock key, then the locked reads;
// ARGV[3] = lock value, ARGV[4] = lock TTL (ms). Returns {'stopped', value} or {'busy'|'locked', reads..., locked reads...}.
const LOCK_AND_READ = `
local i = 1
if ARGV[1] == '1' then
  local v = redis.call('GET', KEYS[1])
  if v then return {'stopped', v} end
  i = 2
end
local out = {'busy'}
local function readInto(from, to)
  if to < from then return end
  for _, v in ipairs(redis.call('MGET', unpack(KEYS, from, to))) do out[#out + 1] = v end
end
local n = tonumber(ARGV[2])
readInto(i, i + n - 1)
if not redis.call('SET', KEYS[i + n], ARGV[3], 'PX', ARGV[4], 'NX') then return out end
out[1] = 'locked'
readInto(i + n + 1, #KEYS)
return out`;

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

const SCRIPTS = { molamDeleteIfEquals: DELETE_IF_EQUALS, molamLockAndRead: LOCK_AND_READ, molamGuardedCommit: GUARDED_COMMIT };
/** Each script is called as (numberOfKeys, ...keys, ...args). */
type Scripts = Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<unknown>>;

const ms = (n: number) => String(Math.max(1, Math.round(n)));

export function createRedisKvStore(redis: Redis): KvStore {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { lua });
  const scripts = redis as unknown as Scripts;
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
      return (await scripts.molamDeleteIfEquals(1, key, value)) === 1;
    },
    async lockAndRead({ stopIf, reads, lock, lockedReads }) {
      const keys = [...(stopIf === undefined ? [] : [stopIf]), ...reads, lock.key, ...lockedReads];
      const out = (await scripts.molamLockAndRead(keys.length, ...keys, stopIf === undefined ? '0' : '1', reads.length, lock.value, ms(lock.ttlMs))) as (string | null)[];
      if (out[0] === 'stopped') return { stopped: out[1]! };
      // A GET of a missing key is false in Lua and comes back as null.
      const at = (i: number) => out[1 + i] ?? null;
      return {
        stopped: null, locked: out[0] === 'locked',
        reads: reads.map((_, i) => at(i)), lockedReads: out[0] === 'locked' ? lockedReads.map((_, i) => at(reads.length + i)) : [],
      };
    },
    async commit(writes, guard, release) {
      const mode = !guard ? 'none' : guard.equals === null ? 'absent' : 'equals';
      const keys = [guard?.key ?? writes[0]?.key ?? 'unused', ...writes.map((w) => w.key), ...(release ? [release.key] : [])];
      const args = [mode, guard?.equals ?? '', String(writes.length), release?.value ?? '', ...writes.flatMap((w) => [w.value, ms(w.ttlMs)])];
      return (await scripts.molamGuardedCommit(keys.length, ...keys, ...args)) === 1;
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
