/**
 * The small key-value contract the service needs from Redis: values with a
 * TTL, set-if-absent (locks, single-use ids), compare-and-delete (lock release)
 * an atomic lock-and-read, and an atomic guarded multi-write (dialog snapshot + hop reply). Implemented
 * by Redis (production) and an in-process map (embedded dev mode); both pass
 * the same contract tests.
 */
export interface KvWrite {
  key: string;
  value: string;
  ttlMs: number;
}

export interface KvGuard {
  key: string;
  /** The value the key must hold for the writes to happen; null means "must be absent". */
  equals: string | null;
}

/**
 * Instead of taking the lock: when every `absent` key is absent and `choiceKey` holds one of `choices`,
 * `writes` are written as given and each of `chosenWrites` as its prefix followed by that choice.
 */
export interface KvCreateIfQuiet {
  absent: readonly string[];
  /** Absent too, or holding a value that starts with `prefix` and ends with `.` + the choice found. */
  replaceable?: { key: string; prefix: string };
  choiceKey: string;
  choices: readonly string[];
  writes: readonly KvWrite[];
  chosenWrites: readonly { key: string; prefix: string; ttlMs: number }[];
}

/** The start of a guarded update, in one step (see KvStore.lockAndRead). */
export interface KvLockAndRead {
  /** When this key holds a value, that value is returned and nothing else happens (a stored reply). */
  stopIf?: string;
  /** Checked after `stopIf`: when it applies, the writes are done and nothing is locked or read. */
  createIfQuiet?: KvCreateIfQuiet;
  /** Read whether or not the lock is taken. */
  reads: readonly string[];
  /** Taken only if absent, with its TTL. */
  lock: KvWrite;
  /** Read only when the lock was taken. */
  lockedReads: readonly string[];
}

export type KvLockAndReadResult =
  | { stopped: string }
  /** `createIfQuiet` wrote: the index of the choice it found. */
  | { stopped: null; created: number }
  | { stopped: null; created?: undefined; locked: boolean; reads: (string | null)[]; lockedReads: (string | null)[] };

export interface KvStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Several values in one round trip, in the order of keys. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent; true when it did. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes only when the key still holds value (releasing a lock we own); true when it did. */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * All writes happen atomically, and only if the guard holds; true when they did.
   * `release` then deletes a key that still holds the given value (our lock), in the same step.
   */
  commit(writes: readonly KvWrite[], guard?: KvGuard, release?: { key: string; value: string }): Promise<boolean>;
  /**
   * One atomic step: `stopIf` → `createIfQuiet` → `reads` → take `lock` → `lockedReads`
   * (what a dialog hop needs before it runs, in one round trip; a new dialog is made in that same trip).
   */
  lockAndRead(o: KvLockAndRead): Promise<KvLockAndReadResult>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
