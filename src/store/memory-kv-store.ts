/** In-process KvStore for the embedded dev mode: one process, no Redis needed. */
import type { KvStore, KvWrite } from './kv-store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

export function createMemoryKvStore(now: () => number = Date.now): KvStore {
  const entries = new Map<string, Entry>();

  const read = (key: string): string | null => {
    const entry = entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return null;
    }
    return entry.value;
  };
  const write = ({ key, value, ttlMs }: KvWrite) => entries.set(key, { value, expiresAt: now() + ttlMs });

  // Expired entries are dropped lazily on read and by this sweep, so a long dev session stays small.
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  }, 60_000);
  sweep.unref();

  return {
    kind: 'memory',
    get: async (key) => read(key),
    getMany: async (keys) => keys.map(read),
    set: async (key, value, ttlMs) => void write({ key, value, ttlMs }),
    async setIfAbsent(key, value, ttlMs) {
      if (read(key) !== null) return false;
      write({ key, value, ttlMs });
      return true;
    },
    delete: async (key) => void entries.delete(key),
    async deleteIfEquals(key, value) {
      if (read(key) !== value) return false;
      entries.delete(key);
      return true;
    },
    async commit(writes, guard, release) {
      if (guard && read(guard.key) !== guard.equals) return false;
      writes.forEach(write);
      if (release && read(release.key) === release.value) entries.delete(release.key);
      return true;
    },
    // One synchronous run: nothing interleaves, as in a Redis script.
    async lockAndRead({ stopIf, createIfQuiet: create, reads, lock, lockedReads }) {
      const stopped = stopIf === undefined ? null : read(stopIf);
      if (stopped !== null) return { stopped };
      const choice = create && read(create.choiceKey);
      const chosen = create && choice !== null ? create.choices.indexOf(choice!) : -1;
      const replaced = create?.replaceable && read(create.replaceable.key);
      const quiet =
        create?.absent.every((key) => read(key) === null) &&
        (!replaced || (replaced.startsWith(create.replaceable!.prefix) && replaced.endsWith(`.${choice}`)));
      if (create && quiet && chosen >= 0) {
        create.writes.forEach(write);
        for (const { key, prefix, ttlMs } of create.chosenWrites) write({ key, value: `${prefix}${choice}`, ttlMs });
        return { stopped: null, created: chosen };
      }
      const before = reads.map(read);
      const locked = read(lock.key) === null;
      if (locked) write(lock);
      return { stopped: null, locked, reads: before, lockedReads: locked ? lockedReads.map(read) : [] };
    },
    ping: async () => {},
    close: async () => {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
