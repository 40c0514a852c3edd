/**
 * Issue 12 step 2: a new dialog takes the caller's language from the sealed
 * cache in Redis, read inside BEGIN; Postgres is asked only on a miss, and
 * always when a knowledge policy is set (that decision is never cached).
 * Real Postgres and Redis (a started service's); the profile queries are counted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeQuestion } from '../../machines/types.js';
import type { Queryable } from '../../src/db/database.js';
import type { DialogEffects } from '../../src/dialogs/dialog-effects.js';
import { createDialogProfiles } from '../../src/dialogs/dialog-profile.js';
import { createDialogRuntime } from '../../src/dialogs/dialog-runtime.js';
import { createDialogStore } from '../../src/dialogs/dialog-store.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser, senegaleseNumber } from '../support/users.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

/** A runtime on the service's stores whose profile lookups are counted. */
function countedRuntime(knowledgePolicy: ReadonlyMap<string, KnowledgeQuestion> = new Map()) {
  const lookups = { count: 0 };
  const db: Queryable = {
    query: (text, params) => {
      lookups.count++;
      return svc.app.db.query(text, params);
    },
  };
  const { pepper } = svc.app.config;
  const store = createDialogStore(svc.app.kv, { pepper, dialogTtlMs: 60_000 });
  const runtime = createDialogRuntime({
    store,
    profiles: createDialogProfiles(db, { pepper, defaultCountry: 'SN', knowledgePolicy }),
    // A dial runs no effect.
    effects: {} as DialogEffects,
    metrics: svc.app.metrics,
    logger: svc.app.logger,
    hopDeadlineMs: 5000,
  });
  const dial = (phone: string) =>
    runtime.hop(phone, {
      provider: 'africastalking',
      providerSessionId: `ATUid_${randomUUID()}`,
      phone,
      newSession: true,
      input: null,
      hopId: '',
      receivedAt: new Date(),
    });
  /** The dialog expires; what BEGIN cached about the caller stays. */
  const forgetDialog = (phone: string) => svc.app.kv.delete(store.subscriber(phone).dialogKey);
  return { lookups, dial, forgetDialog };
}

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
