/**
 * KvStore on Redis (ioredis). Multi-key atomicity comes from Lua scripts,
 * registered once with defineCommand: each call sends the script's SHA
 * (EVALSHA), not its text. ioredis applies the key prefix to their KEYS.
 */
import { COMMAND_TIMEOUT_MS, isCluster, type RedisClient } from './redis-client.js';
import type { KvStore } from './kv-store.js';

// KEYS[1] = lock key, ARGV[1] = the owner's token.
const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS = [stop key if ARGV[1] == '1'], ARGV[2] read keys, the lock key, then ARGV[8] locked reads, then
// (when ARGV[5] ~= '') the create part: ARGV[5] absent keys, the choice key, the replaceable key (when
// ARGV[10] ~= ''), ARGV[6] writes' keys, ARGV[7] chosen writes' keys. ARGV[3] = lock value, ARGV[4] = lock
// TTL (ms), ARGV[9] = choices count, ARGV[10] = the replaceable key's prefix, then (value, ttl) per write,
// (prefix, ttl) per chosen write, then the choices.
// Returns {'stopped', value}, {'created', choice index (0-based)} or {'busy'|'locked', reads..., locked reads...}.
const LOCK_AND_READ = `
local i = 1
if ARGV[1] == '1' then
  local v = redis.call('GET', KEYS[1])
  if v then return {'stopped', v} end
  i = 2
end
local n = tonumber(ARGV[2])
local lockAt = i + n
local lockedN = tonumber(ARGV[8])
if ARGV[5] ~= '' then
  local c = lockAt + lockedN + 1
  local absentN, writeN, chosenN, choiceN = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[9])
  local prefix = ARGV[10]
  local choice = redis.call('GET', KEYS[c + absentN])
  local chosen = nil
  local choicesAt = 11 + 2 * writeN + 2 * chosenN
  if choice then
    for o = 0, choiceN - 1 do
      if ARGV[choicesAt + o] == choice then chosen = o break end
    end
  end
  if chosen and absentN > 0 and redis.call('EXISTS', unpack(KEYS, c, c + absentN - 1)) > 0 then chosen = nil end
  local keyAt = c + absentN + 1
  if prefix ~= '' then
    if chosen then
      local v = redis.call('GET', KEYS[keyAt])
      local tail = '.' .. choice
      if v and (string.sub(v, 1, #prefix) ~= prefix or string.sub(v, -#tail) ~= tail) then chosen = nil end
    end
    keyAt = keyAt + 1
  end
  if chosen then
    for w = 0, writeN - 1 do
      redis.call('SET', KEYS[keyAt + w], ARGV[11 + 2 * w], 'PX', ARGV[12 + 2 * w])
    end
    local at = 11 + 2 * writeN
    for k = 0, chosenN - 1 do
      redis.call('SET', KEYS[keyAt + writeN + k], ARGV[at + 2 * k] .. choice, 'PX', ARGV[at + 2 * k + 1])
    end
    return {'created', chosen}
  end
end
local out = {'busy'}
local function readInto(from, to)
  if to < from then return end
  for _, v in ipairs(redis.call('MGET', unpack(KEYS, from, to))) do out[#out + 1] = v end
end
readInto(i, lockAt - 1)
if not redis.call('SET', KEYS[lockAt], ARGV[3], 'PX', ARGV[4], 'NX') then return out end
out[1] = 'locked'
readInto(lockAt + 1, lockAt + lockedN)
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

const SCRIPTS = {
  molamDeleteIfEquals: DELETE_IF_EQUALS,
  molamLockAndRead: LOCK_AND_READ,
  molamGuardedCommit: GUARDED_COMMIT,
};
/** Each script is called as (numberOfKeys, ...keys, ...args). */
type Scripts = Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<unknown>>;

const ms = (n: number) => String(Math.max(1, Math.round(n)));

/**
 * On a cluster a COMMIT is acknowledged once one replica has it (WAIT 1) or after this long:
 * Redis replicates asynchronously, and a failover promotes a replica. A shard whose replica is
 * down still answers (after this wait), without that guarantee: availability over a lost hop.
 */
export const REPLICA_ACK_TIMEOUT_MS = 250;

/**
 * During a failover the Cluster client holds a command for the lost master's slots and tries again
 * until the map changes (seconds). A hop cannot wait that long: past the command timeout it fails,
 * as on one node, and the hop gets its polite END within the telco deadline.
 */
function bounded<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis cluster: no answer in time')), COMMAND_TIMEOUT_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function createRedisKvStore(redis: RedisClient, opts: { onUnreplicated?: () => void } = {}): KvStore {
  const store = createStore(redis, opts);
  if (!isCluster(redis)) return store;
  const wrapped = { ...store };
  for (const name of [
    'get',
    'getMany',
    'set',
    'setIfAbsent',
    'delete',
    'deleteIfEquals',
    'lockAndRead',
    'commit',
    'ping',
  ] as const) {
    const call = store[name] as (...a: unknown[]) => Promise<unknown>;
    (wrapped as Record<string, unknown>)[name] = (...a: unknown[]) => bounded(call(...a));
  }
  return wrapped;
}

function createStore(redis: RedisClient, opts: { onUnreplicated?: () => void }): KvStore {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { lua });
  const scripts = redis as unknown as Scripts;
  /**
   * A script that may write, and on a cluster WAIT 1 after it. WAIT names no key: in one pipeline with the
   * script it goes to the node that ran it (the slot's master). `wrote` says whether the script's answer is a write.
   */
  const replicated = async (
    script: 'molamGuardedCommit' | 'molamLockAndRead',
    args: (string | number)[],
    wrote: (answer: unknown) => boolean,
  ): Promise<unknown> => {
    if (!isCluster(redis)) return scripts[script](...args);
    const pipeline = redis.pipeline() as unknown as Record<typeof script, (...a: (string | number)[]) => unknown> & {
      call(...a: (string | number)[]): unknown;
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    pipeline[script](...args);
    pipeline.call('WAIT', 1, REPLICA_ACK_TIMEOUT_MS);
    const [ran, acked] = (await pipeline.exec()) ?? [];
    if (!ran || ran[0]) throw ran?.[0] ?? new Error('redis: script pipeline failed');
    if (wrote(ran[1]) && acked && !acked[0] && Number(acked[1]) < 1) opts.onUnreplicated?.();
    return ran[1];
  };
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
    async lockAndRead({ stopIf, createIfQuiet: create, reads, lock, lockedReads }) {
      // Built with pushes, not spreads: this runs on every hop.
      const keys: string[] = stopIf === undefined ? [] : [stopIf];
      keys.push(...reads, lock.key, ...lockedReads);
      const args: (string | number)[] = [
        stopIf === undefined ? '0' : '1',
        reads.length,
        lock.value,
        ms(lock.ttlMs),
        create ? create.absent.length : '',
        create?.writes.length ?? 0,
        create?.chosenWrites.length ?? 0,
        lockedReads.length,
        create?.choices.length ?? 0,
        create?.replaceable?.prefix ?? '',
      ];
      if (create) {
        keys.push(...create.absent, create.choiceKey);
        if (create.replaceable) keys.push(create.replaceable.key);
        for (const w of create.writes) {
          keys.push(w.key);
          args.push(w.value, ms(w.ttlMs));
        }
        for (const w of create.chosenWrites) {
          keys.push(w.key);
          args.push(w.prefix, ms(w.ttlMs));
        }
        args.push(...create.choices);
      }
      // A new dialog made here is acknowledged on a cluster once a replica has it, as a COMMIT is.
      const out = (
        create
          ? await replicated(
              'molamLockAndRead',
              [keys.length, ...keys, ...args],
              (a) => (a as unknown[])[0] === 'created',
            )
          : await scripts.molamLockAndRead(keys.length, ...keys, ...args)
      ) as (string | number | null)[];
      if (out[0] === 'stopped') return { stopped: out[1] as string };
      if (out[0] === 'created') return { stopped: null, created: Number(out[1]) };
      // A GET of a missing key is false in Lua and comes back as null.
      const at = (i: number) => (out[1 + i] as string | null | undefined) ?? null;
      return {
        stopped: null,
        locked: out[0] === 'locked',
        reads: reads.map((_, i) => at(i)),
        lockedReads: out[0] === 'locked' ? lockedReads.map((_, i) => at(reads.length + i)) : [],
      };
    },
    async commit(writes, guard, release) {
      const mode = !guard ? 'none' : guard.equals === null ? 'absent' : 'equals';
      // The unguarded placeholder is a key of the same slot: a cluster refuses a script across slots.
      const keys = [
        guard?.key ?? writes[0]?.key ?? release?.key ?? 'unused',
        ...writes.map((w) => w.key),
        ...(release ? [release.key] : []),
      ];
      const args = [
        keys.length,
        ...keys,
        mode,
        guard?.equals ?? '',
        String(writes.length),
        release?.value ?? '',
        ...writes.flatMap((w) => [w.value, ms(w.ttlMs)]),
      ];
      return (await replicated('molamGuardedCommit', args, (answer) => answer === 1)) === 1;
    },
    async ping() {
      // A cluster is up when every master answers: one lost master leaves its slots unanswered.
      if (!isCluster(redis)) return void (await redis.ping());
      const masters = redis.nodes('master');
      await Promise.all(masters.map((node) => node.ping()));
      // ...and they agree every slot is served (a failed master's slots wait for its replica).
      if (masters.length === 0 || !/cluster_state:ok/.test(await masters[0]!.cluster('INFO')))
        throw new Error('redis cluster: state is not ok');
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
