/**
 * The KvStore contract, run against both implementations: the real Redis on
 * 127.0.0.1 (own key prefix) and the in-process store of the dev mode.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { KvStore } from '../../src/store/kv-store.js';
import { createMemoryKvStore } from '../../src/store/memory-kv-store.js';
import { createRedisKvStore } from '../../src/store/redis-kv-store.js';
import { REDIS_URL, uniqueRedisPrefix } from '../support/services.js';

const stores: Array<[string, () => KvStore]> = [
  ['redis', () => createRedisKvStore(new Redis(REDIS_URL, { keyPrefix: uniqueRedisPrefix('kv') }))],
  ['memory', () => createMemoryKvStore()],
];
const opened: KvStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(stores)('KvStore contract: %s', (_name, make) => {
  const kv = make();
  opened.push(kv);

  it('stores a value and forgets it after its TTL', async () => {
    await kv.set('a', 'one', 80);
    expect(await kv.get('a')).toBe('one');
    await sleep(150);
    expect(await kv.get('a')).toBeNull();
  });

  it('sets if absent only once', async () => {
    expect(await kv.setIfAbsent('lock', 'me', 5000)).toBe(true);
    expect(await kv.setIfAbsent('lock', 'you', 5000)).toBe(false);
    expect(await kv.get('lock')).toBe('me');
  });

  it('deletes only what it still owns', async () => {
    await kv.set('owned', 'token-1', 5000);
    expect(await kv.deleteIfEquals('owned', 'token-2')).toBe(false);
    expect(await kv.get('owned')).toBe('token-1');
    expect(await kv.deleteIfEquals('owned', 'token-1')).toBe(true);
    expect(await kv.get('owned')).toBeNull();
  });

  it('commits several writes only when the guard holds', async () => {
    await kv.set('v', '1', 5000);
    expect(
      await kv.commit(
        [
          { key: 'v', value: '2', ttlMs: 5000 },
          { key: 'r', value: 'reply', ttlMs: 5000 },
        ],
        { key: 'v', equals: '0' },
      ),
    ).toBe(false);
    expect([await kv.get('v'), await kv.get('r')]).toEqual(['1', null]);
    expect(
      await kv.commit(
        [
          { key: 'v', value: '2', ttlMs: 5000 },
          { key: 'r', value: 'reply', ttlMs: 5000 },
        ],
        { key: 'v', equals: '1' },
      ),
    ).toBe(true);
    expect([await kv.get('v'), await kv.get('r')]).toEqual(['2', 'reply']);
  });

  it('treats a null guard as "the key must be absent"', async () => {
    expect(await kv.commit([{ key: 'fresh', value: 'x', ttlMs: 5000 }], { key: 'fresh', equals: null })).toBe(true);
    expect(await kv.commit([{ key: 'fresh', value: 'y', ttlMs: 5000 }], { key: 'fresh', equals: null })).toBe(false);
    expect(await kv.get('fresh')).toBe('x');
  });

  it('lets exactly one of many concurrent guarded commits win', async () => {
    await kv.set('race', 'v0', 5000);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        kv.commit([{ key: 'race', value: `v${i + 1}`, ttlMs: 5000 }], { key: 'race', equals: 'v0' }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('reads several keys in one call, null where absent', async () => {
    await kv.set('m1', 'one', 5000);
    await kv.set('m3', 'three', 5000);
    expect(await kv.getMany(['m1', 'm2', 'm3'])).toEqual(['one', null, 'three']);
    expect(await kv.getMany([])).toEqual([]);
  });

  it('releases the lock with a successful commit, only when it still holds our token', async () => {
    await kv.set('lk', 'mine', 5000);
    expect(await kv.commit([{ key: 'w1', value: 'x', ttlMs: 5000 }], undefined, { key: 'lk', value: 'mine' })).toBe(
      true,
    );
    expect(await kv.get('lk')).toBeNull();
    await kv.set('lk', 'theirs', 5000);
    expect(await kv.commit([{ key: 'w2', value: 'y', ttlMs: 5000 }], undefined, { key: 'lk', value: 'mine' })).toBe(
      true,
    );
    expect(await kv.get('lk')).toBe('theirs');
  });

  it('keeps the lock when the guard fails (nothing is written)', async () => {
    await kv.set('lk2', 'mine', 5000);
    await kv.set('g', 'v1', 5000);
    expect(
      await kv.commit(
        [{ key: 'w3', value: 'z', ttlMs: 5000 }],
        { key: 'g', equals: 'v0' },
        { key: 'lk2', value: 'mine' },
      ),
    ).toBe(false);
    expect([await kv.get('lk2'), await kv.get('w3')]).toEqual(['mine', null]);
  });

  describe('lockAndRead (issue 12: the start of a hop in one round trip)', () => {
    const lock = (value: string) => ({ key: 'hop-lock', value, ttlMs: 5000 });

    it("returns the stop key's value and takes nothing when it is set", async () => {
      await kv.set('stop', 'stored reply', 5000);
      expect(
        await kv.lockAndRead({ stopIf: 'stop', reads: ['before'], lock: lock('a'), lockedReads: ['after'] }),
      ).toEqual({ stopped: 'stored reply' });
      expect(await kv.get('hop-lock')).toBeNull();
    });

    it('reads, takes the lock, then reads what only the holder may, null where absent', async () => {
      await kv.set('before', 'b', 5000);
      await kv.set('after2', 'a2', 5000);
      expect(
        await kv.lockAndRead({
          stopIf: 'no-stop',
          reads: ['before', 'missing'],
          lock: lock('a'),
          lockedReads: ['after1', 'after2', 'after3'],
        }),
      ).toEqual({ stopped: null, locked: true, reads: ['b', null], lockedReads: [null, 'a2', null] });
      expect(await kv.get('hop-lock')).toBe('a');
    });

    it('still reads when the lock is held by another, and leaves it theirs', async () => {
      expect(await kv.lockAndRead({ reads: ['before'], lock: lock('b'), lockedReads: ['after2'] })).toEqual({
        stopped: null,
        locked: false,
        reads: ['b'],
        lockedReads: [],
      });
      expect(await kv.get('hop-lock')).toBe('a');
      await kv.delete('hop-lock');
    });

    it('lets exactly one of many concurrent callers take the lock', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          kv.lockAndRead({ reads: [], lock: { key: 'race-lock', value: `t${i}`, ttlMs: 5000 }, lockedReads: [] }),
        ),
      );
      expect(results.filter((r) => r.stopped === null && r.locked)).toHaveLength(1);
    });
  });

  it('deletes a key', async () => {
    await kv.set('gone', 'x', 5000);
    await kv.delete('gone');
    expect(await kv.get('gone')).toBeNull();
  });
});
