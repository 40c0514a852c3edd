/**
 * Issue 12 step 2: a new dialog takes the caller's language from the cache in
 * Redis (a language reference, see dialog-store.ts), read inside BEGIN; Postgres is asked only on a miss, and
 * always when a knowledge policy is set (that decision is never cached).
 * Real Postgres and Redis (a started service's); the profile queries are counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDialogStore } from '../../src/dialogs/dialog-store.js';
import { countedRuntime as counted } from '../support/counted-runtime.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser, senegaleseNumber } from '../support/users.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

const countedRuntime = (policy?: Parameters<typeof counted>[1]) => counted(svc, policy);

const newUser = async (language: string) => (await seedUser(svc.app.db, { language })).phone;

describe("issue 12 step 2: the caller's language is cached in Redis, Postgres only on a miss", () => {
  it('looks the caller up once, then opens the next dialog in the same language without Postgres', async () => {
    const phone = await newUser('en');
    const r = countedRuntime();
    expect((await r.dial(phone)).text).toMatch(/^Molam ID\n1\. Reset PIN/);
    expect(r.lookups.count).toBe(1);
    await r.forgetDialog(phone);
    expect((await r.dial(phone)).text).toMatch(/^Molam ID\n1\. Reset PIN/);
    expect(r.lookups.count).toBe(1);
  });

  it("caches a caller without an account too (the country's language), so a repeat costs the same", async () => {
    const r = countedRuntime();
    const phone = senegaleseNumber('78');
    const first = await r.dial(phone);
    await r.forgetDialog(phone);
    expect(await r.dial(phone)).toEqual(first);
    expect(r.lookups.count).toBe(1);
  });

  it('asks Postgres on every new dialog while a knowledge policy is set: that decision is never cached', async () => {
    const phone = await newUser('fr');
    const r = countedRuntime(new Map([['SN', 'birth_year']]));
    await r.dial(phone);
    await r.forgetDialog(phone);
    await r.dial(phone);
    expect(r.lookups.count).toBe(2);
  });

  it('keeps no phone number and no language in clear under the cache key', async () => {
    const phone = await newUser('en');
    const r = countedRuntime();
    await r.dial(phone);
    const { pepper } = svc.app.config;
    const key = createDialogStore(svc.app.kv, { pepper, dialogTtlMs: 60_000 }).subscriber(phone).langKey;
    expect(key).toMatch(/^caller-lang:\{[A-Za-z0-9_-]+\}$/);
    const value = await svc.app.kv.get(key);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(() => JSON.parse(value!)).toThrow();
  });
});
