/**
 * Issue 12 step 5: a first dial of a caller whose language is cached is made by
 * BEGIN itself, in one KvStore call, and stored as references (dialog-store.ts):
 * what they hold, that a retry and the next hop read them, and that a reference
 * copied from another phone or written by another build is no dialog.
 * Real Postgres and Redis (a started service's); KvStore calls and profile lookups are counted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countedRuntime } from '../support/counted-runtime.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { atSession } from '../support/ussd-sessions.js';
import { seedUser } from '../support/users.js';

const MENU = /^Molam ID\n1\. Reset PIN/;

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

const newUser = async (language = 'en') => (await seedUser(svc.app.db, { language })).phone;

/** A caller dialled once (language cached), whose dialog then expired. */
async function cachedCaller(r: ReturnType<typeof countedRuntime>, language = 'en') {
  const phone = await newUser(language);
  const first = await r.dial(phone);
  await r.forgetDialog(phone);
  r.kvCalls.length = 0;
  r.lookups.count = 0;
  return { phone, first };
}

describe('issue 12 step 5: a first dial in one round trip', () => {
  it('answers a cached caller from BEGIN alone: one KvStore call, no Postgres, the same screen', async () => {
    const r = countedRuntime(svc);
    const { phone, first } = await cachedCaller(r);
    expect(first.text).toMatch(MENU);
    expect(await r.dial(phone)).toEqual(first);
    expect(r.kvCalls).toEqual(['lockAndRead']);
    expect(r.lookups.count).toBe(0);
    expect((await r.runtime.dialogsOf(phone))?.dialogs.africastalking).toBeTruthy();
  });

  it('asks BEGIN only for callers this process dialled lately: after a restart a cached caller takes two trips, no Postgres', async () => {
    const { phone, first } = await cachedCaller(countedRuntime(svc));
    const restarted = countedRuntime(svc);
    expect(await restarted.dial(phone)).toEqual(first);
    expect(restarted.kvCalls).toEqual(['lockAndRead', 'commit']);
    expect(restarted.lookups.count).toBe(0);
  });

  it('answers a retry of that dial from its stored reference, without a transition', async () => {
    const r = countedRuntime(svc);
    const { phone, first } = await cachedCaller(r);
    const sessionId = `ATUid_${randomUUID()}`;
    await r.dial(phone, sessionId);
    r.kvCalls.length = 0;
    expect(await r.dial(phone, sessionId)).toEqual(first);
    expect(r.kvCalls).toEqual(['lockAndRead']);
    expect((await r.runtime.dialogsOf(phone))?.version).toBe(1);
  });

  it('answers a redial onto a dialog still on its first screen from BEGIN too: one call, the same screen', async () => {
    const r = countedRuntime(svc);
    const phone = await newUser();
    const first = await r.dial(phone);
    r.kvCalls.length = 0;
    expect(await r.dial(phone)).toEqual(first);
    expect(r.kvCalls).toEqual(['lockAndRead']);
    expect((await r.runtime.dialogsOf(phone))?.dialogs.africastalking).toBeTruthy();
  });

  it('takes two round trips for a redial onto a dialog past its first screen, and resumes it', async () => {
    const r = countedRuntime(svc);
    const phone = await newUser();
    const sessionId = `ATUid_${randomUUID()}`;
    await r.dial(phone, sessionId);
    expect((await r.type(phone, sessionId, '9')).text).toMatch(/^Invalid choice/);
    const version = (await r.runtime.dialogsOf(phone))!.version;
    r.kvCalls.length = 0;
    expect((await r.dial(phone)).text).toMatch(MENU);
    expect(r.kvCalls).toEqual(['lockAndRead', 'commit']);
    expect((await r.runtime.dialogsOf(phone))?.version).toBe(version + 1);
  });

  it('asks Postgres, in two round trips, while a knowledge policy is set', async () => {
    const r = countedRuntime(svc, new Map([['SN', 'birth_year']]));
    const { phone } = await cachedCaller(r);
    await r.dial(phone);
    expect(r.kvCalls).toEqual(['lockAndRead', 'commit']);
    expect(r.lookups.count).toBe(1);
  });

  it('opens the reference on the next hop: a dial made by BEGIN goes on to a reset over HTTP', async () => {
    const phone = await newUser();
    expect(await atSession(svc, phone).dial()).toMatch(/^CON Molam ID/);
    await countedRuntime(svc).forgetDialog(phone);
    const s = atSession(svc, phone);
    expect(await s.dial()).toMatch(/^CON Molam ID\n1\. Reset PIN/);
    expect(await s.type('1')).toMatch(/^CON .*code/i);
    expect(await s.type(await svc.lastOtpFor(phone))).toMatch(/^CON Choose a new PIN/);
  });
});

describe('issue 12 step 5: what the references hold', () => {
  /** The values under one phone's keys, by key kind. */
  async function valuesOf(r: ReturnType<typeof countedRuntime>, phone: string) {
    const who = r.store.subscriber(phone);
    const [dialog, lang] = await svc.app.kv.getMany([who.dialogKey, who.langKey]);
    return { dialog: dialog!, lang: lang! };
  }

  it('name no language and no number, and differ between two phones of the same language', async () => {
    const r = countedRuntime(svc);
    const a = await cachedCaller(r, 'fr');
    const b = await cachedCaller(r, 'fr');
    await r.dial(a.phone);
    await r.dial(b.phone);
    const [va, vb] = [await valuesOf(r, a.phone), await valuesOf(r, b.phone)];
    expect(va.lang).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(va.lang).not.toBe(vb.lang);
    expect(va.dialog).toMatch(/^fresh\.[A-Za-z0-9_-]+\.africastalking\.\d+\.[A-Za-z0-9_-]{16}$/);
    expect(va.dialog.split('.').at(-1)).toBe(va.lang);
    expect(vb.dialog.split('.').at(-1)).toBe(vb.lang);
    // Beside the public build and provider names and the time, only the key-bound MAC: no text, no number.
    for (const v of [va.dialog, va.lang]) {
      expect(v).not.toMatch(/menu|Molam|\{/);
      expect(v).not.toContain(a.phone.slice(4));
    }
  });

  it('copied from another phone, they are no dialog there and no cached language', async () => {
    const r = countedRuntime(svc);
    const victim = await cachedCaller(r, 'fr');
    await r.dial(victim.phone);
    const attacker = await cachedCaller(r, 'en');
    const from = await valuesOf(r, victim.phone);
    const to = r.store.subscriber(attacker.phone);
    await svc.app.kv.set(to.dialogKey, from.dialog, 60_000);
    expect(await r.runtime.dialogsOf(attacker.phone)).toBeNull();
    await svc.app.kv.delete(to.dialogKey);
    await svc.app.kv.set(to.langKey, from.lang, 60_000);
    r.lookups.count = 0;
    expect((await r.dial(attacker.phone)).text).toMatch(MENU);
    expect(r.lookups.count).toBe(1);
  });

  it('written by a build whose first screens differ, a reference is no dialog: the dial gets a fresh menu', async () => {
    const r = countedRuntime(svc);
    const { phone, first } = await cachedCaller(r);
    await r.dial(phone);
    const who = r.store.subscriber(phone);
    const [, , ...rest] = (await svc.app.kv.get(who.dialogKey))!.split('.');
    await svc.app.kv.set(who.dialogKey, ['fresh', 'otherBuild', ...rest].join('.'), 60_000);
    expect(await r.runtime.dialogsOf(phone)).toBeNull();
    expect(await r.dial(phone)).toEqual(first);
  });
});
