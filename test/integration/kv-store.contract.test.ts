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
      expect(results.filter((r) => 'locked' in r && r.locked)).toHaveLength(1);
    });
  });

  describe('lockAndRead with createIfQuiet (issue 12 step 5: a new dialog made inside BEGIN)', () => {
    let n = 0;
    /** Fresh key names per test: the stores are shared by the whole file. */
    const names = () => {
      const k = (what: string) => `cq${++n}-${what}`;
      return { session: k('session'), dialog: k('dialog'), lock: k('lock'), lang: k('lang'), hop: k('hop') };
    };
    const begin = (k: ReturnType<typeof names>, token = 't', stopIf?: string) =>
      kv.lockAndRead({
        ...(stopIf ? { stopIf } : {}),
        createIfQuiet: {
          absent: [k.session, k.dialog, k.lock],
          choiceKey: k.lang,
          choices: ['ref-fr', 'ref-en'],
          writes: [{ key: k.session, value: 'trace', ttlMs: 5000 }],
          chosenWrites: [
            { key: k.dialog, prefix: 'dialog-', ttlMs: 5000 },
            { key: k.hop, prefix: 'reply-', ttlMs: 80 },
          ],
        },
        reads: [k.session],
        lock: { key: k.lock, value: token, ttlMs: 5000 },
        lockedReads: [k.dialog, k.lang],
      });

    it('writes the writes and each chosen write as its prefix + the choice found, with their TTLs, and takes no lock', async () => {
      const k = names();
      await kv.set(k.lang, 'ref-en', 5000);
      expect(await begin(k)).toEqual({ stopped: null, created: 1 });
      expect(await kv.getMany([k.session, k.dialog, k.hop, k.lock])).toEqual([
        'trace',
        'dialog-ref-en',
        'reply-ref-en',
        null,
      ]);
      await sleep(150);
      expect(await kv.get(k.hop)).toBeNull();
      expect(await kv.get(k.dialog)).toBe('dialog-ref-en');
    });

    it('answers a stored reply first: nothing is created', async () => {
      const k = names();
      await kv.set(k.lang, 'ref-fr', 5000);
      await kv.set(k.hop, 'stored', 5000);
      expect(await begin(k, 't', k.hop)).toEqual({ stopped: 'stored' });
      expect(await kv.getMany([k.session, k.dialog, k.lock])).toEqual([null, null, null]);
    });

    it.each(['session', 'dialog', 'lock'] as const)(
      'with the %s key present it writes nothing and locks and reads as without it',
      async (present) => {
        const k = names();
        await kv.set(k.lang, 'ref-fr', 5000);
        await kv.set(k[present], 'there', 5000);
        const found = await begin(k, 'mine');
        expect(found).toMatchObject({ stopped: null, locked: present !== 'lock' });
        expect(await kv.get(k.hop)).toBeNull();
        expect(await kv.get(k.dialog)).toBe(present === 'dialog' ? 'there' : null);
      },
    );

    it.each([
      ['absent', null],
      ['no option', 'ref-xx'],
    ])('with the choice key %s it writes nothing and locks and reads', async (_what, choice) => {
      const k = names();
      if (choice) await kv.set(k.lang, choice, 5000);
      expect(await begin(k, 'mine')).toEqual({
        stopped: null,
        locked: true,
        reads: [null],
        lockedReads: [null, choice],
      });
      expect(await kv.getMany([k.dialog, k.hop, k.lock])).toEqual([null, null, 'mine']);
    });

    describe('with a replaceable key', () => {
      const beginReplacing = (k: ReturnType<typeof names>) =>
        kv.lockAndRead({
          createIfQuiet: {
            absent: [k.session, k.lock],
            replaceable: { key: k.dialog, prefix: 'fresh.b1.at.' },
            choiceKey: k.lang,
            choices: ['ref-fr', 'ref-en'],
            writes: [],
            chosenWrites: [{ key: k.dialog, prefix: 'fresh.b1.at.2.', ttlMs: 5000 }],
          },
          reads: [],
          lock: { key: k.lock, value: 'mine', ttlMs: 5000 },
          lockedReads: [k.dialog],
        });

      it.each([
        ['absent', null, true],
        ['holding the prefix and the chosen option', 'fresh.b1.at.1.ref-en', true],
        ['holding another prefix', 'fresh.b2.at.1.ref-en', false],
        ["holding another option's value", 'fresh.b1.at.1.ref-fr', false],
        ['holding anything else', 'sealed-box', false],
      ])('writes over it when %s, else locks and reads it', async (_what, held, writes) => {
        const k = names();
        await kv.set(k.lang, 'ref-en', 5000);
        if (held) await kv.set(k.dialog, held, 5000);
        const found = await beginReplacing(k);
        expect(found).toEqual(
          writes ? { stopped: null, created: 1 } : { stopped: null, locked: true, reads: [], lockedReads: [held] },
        );
        expect(await kv.get(k.dialog)).toBe(writes ? 'fresh.b1.at.2.ref-en' : held);
      });
    });

    it('creates exactly once among 50 concurrent callers; the others lock or see the lock held', async () => {
      const k = names();
      await kv.set(k.lang, 'ref-fr', 5000);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => begin(k, `t${i}`)));
      expect(results.filter((r) => r.stopped === null && r.created !== undefined)).toEqual([
        { stopped: null, created: 0 },
      ]);
      // The creator wrote the dialog: each later caller found the phone busy, and one of them took the lock.
      expect(results.filter((r) => 'locked' in r && r.locked)).toHaveLength(1);
      expect(await kv.get(k.dialog)).toBe('dialog-ref-fr');
    });
  });

  it('deletes a key', async () => {
    await kv.set('gone', 'x', 5000);
    await kv.delete('gone');
    expect(await kv.get('gone')).toBeNull();
  });
});
