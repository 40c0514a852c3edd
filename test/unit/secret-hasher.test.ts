// Pure unit tests on real bcrypt (cost 10 to stay fast; production uses ≥ 12).
import { describe, expect, it } from 'vitest';
import { createConcurrencyGate, createSecretHasher, digestsEqual } from '../../src/security/secret-hasher.js';

const PEPPER = 'test-pepper-0123456789abcdef0123456789';
const hasher = createSecretHasher({ pepper: PEPPER, cost: 10 });

describe('createSecretHasher', () => {
  it('verifies a secret against its own hash and rejects another secret', async () => {
    const stored = await hasher.hash('4821');
    expect(await hasher.verify('4821', stored)).toBe(true);
    expect(await hasher.verify('4822', stored)).toBe(false);
  });

  it('salts: the same secret hashes differently each time', async () => {
    expect(await hasher.hash('4821')).not.toBe(await hasher.hash('4821'));
  });

  it('fails verification under a different pepper', async () => {
    const stored = await hasher.hash('baobab sunset tamarind');
    const other = createSecretHasher({ pepper: 'another-pepper-0123456789abcdef', cost: 10 });
    expect(await other.verify('baobab sunset tamarind', stored)).toBe(false);
  });

  it('distinguishes secrets longer than 72 bytes that differ only in the last byte', async () => {
    const base = 'é'.repeat(40); // 80 bytes in UTF-8, past bcrypt's 72-byte cut
    const stored = await hasher.hash(`${base}A`);
    expect(await hasher.verify(`${base}A`, stored)).toBe(true);
    expect(await hasher.verify(`${base}B`, stored)).toBe(false);
  });

  it('shows the cost in the hash ($2b$12$ at cost 12)', async () => {
    const strong = createSecretHasher({ pepper: PEPPER, cost: 12 });
    expect(await strong.hash('4821')).toMatch(/^\$2b\$12\$/);
    expect(await hasher.hash('4821')).toMatch(/^\$2b\$10\$/);
  });

  it('returns false, not an error, for a malformed stored hash', async () => {
    for (const bad of ['', 'garbage', '$2b$12$short', '$2b$99$' + 'a'.repeat(53), undefined]) {
      expect(await hasher.verify('4821', bad as string)).toBe(false);
    }
  });

  it('refuses a cost below 10, a non-integer cost and an empty pepper', () => {
    expect(() => createSecretHasher({ pepper: PEPPER, cost: 9 })).toThrow(/cost/);
    expect(() => createSecretHasher({ pepper: PEPPER, cost: 12.5 })).toThrow(/cost/);
    expect(() => createSecretHasher({ pepper: '', cost: 12 })).toThrow(/pepper/);
  });
});

describe('digest and digestsEqual', () => {
  it('gives the same hex digest for the same secret and scope', () => {
    const first = hasher.digest('4821', 'dialog-1');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(digestsEqual(first, hasher.digest('4821', 'dialog-1'))).toBe(true);
  });

  it('changes with the secret, the scope and the pepper', () => {
    const first = hasher.digest('4821', 'dialog-1');
    const other = createSecretHasher({ pepper: 'another-pepper-0123456789abcdef', cost: 10 });
    expect(digestsEqual(first, hasher.digest('4822', 'dialog-1'))).toBe(false);
    expect(digestsEqual(first, hasher.digest('4821', 'dialog-2'))).toBe(false);
    expect(digestsEqual(first, other.digest('4821', 'dialog-1'))).toBe(false);
  });

  it('compares strings of different lengths without throwing', () => {
    expect(digestsEqual('abc', 'abcd')).toBe(false);
    expect(digestsEqual('', '')).toBe(true);
    expect(digestsEqual(undefined as unknown as string, 'x')).toBe(false);
  });
});

describe('createConcurrencyGate (caps bcrypt so a core stays free for the event loop)', () => {
  it('runs at most `limit` tasks at once and completes every task with its own result', async () => {
    const gate = createConcurrencyGate(2);
    let running = 0;
    let peak = 0;
    const task = (n: number) =>
      gate(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return n * 10;
      });
    expect(await Promise.all([1, 2, 3, 4, 5].map(task))).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  it('refuses work past maxWaiting at once, without running it, and takes a group all or nothing (item 7)', async () => {
    const gate = createConcurrencyGate(1, 2);
    const ran: string[] = [];
    let release!: () => void;
    const blocker = gate(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const task = (name: string) => async () => {
      ran.push(name);
      return name;
    };
    const queued = [gate(task('a')), gate(task('b'))];
    await expect(gate(task('c'))).rejects.toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(gate.waiting()).toBe(2);
    release();
    await blocker;
    expect(await Promise.all(queued)).toEqual(['a', 'b']);
    const groupWhileFull = gate(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await expect(gate.all([task('d'), task('e'), task('f')])).rejects.toMatchObject({ code: 'service_unavailable' });
    release();
    await groupWhileFull;
    expect(ran).toEqual(['a', 'b']); // refused work never ran, not even part of a group
  });

  it('hands a finished slot to the next waiter, so no newcomer runs past the limit', async () => {
    // A newcomer arriving a few microtasks after a slot frees must still queue (tried at every tick).
    for (let ticks = 0; ticks < 8; ticks += 1) {
      const gate = createConcurrencyGate(1);
      let running = 0;
      let peak = 0;
      const body = async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running -= 1;
      };
      let release!: () => void;
      const first = gate(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      const waiter = gate(body);
      release();
      for (let i = 0; i < ticks; i += 1) await Promise.resolve();
      await Promise.all([first, waiter, gate(body)]);
      expect(peak, `newcomer after ${ticks} microtasks`).toBe(1);
    }
  });

  it('frees its slot when a task fails', async () => {
    const gate = createConcurrencyGate(1);
    await expect(
      gate(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await gate(async () => 'next')).toBe('next');
  });
});
