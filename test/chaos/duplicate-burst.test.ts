/**
 * Chaos: a burst of 240 concurrent duplicate hops on 24 dialogs (10 copies
 * each), split at random between two server processes sharing the real
 * PostgreSQL and Redis: the in-process service and a spawned child
 * (node --import tsx src/server.ts). The dialogs stand at different steps,
 * on both USSD gateways. Exactly one transition happens per distinct hop,
 * counted in the stores, and every copy of a hop gets the same answer.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDialogStore } from '../../src/dialogs/dialog-store.js';
import { maskPhone } from '../../src/logger.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startServerChild, type ServerChild } from '../support/server-child.js';
import { startTestService, type TestService } from '../support/test-service.js';

const COPIES = 10;
const PIN = '4826';

let svc: TestService;
let second: ServerChild;

beforeAll(async () => {
  svc = await startTestService({ env: { LOG_LEVEL: 'warn' } });
  second = await startServerChild({ ...svc.env, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' });
}, 60_000);

afterAll(async () => {
  second?.child.kill('SIGTERM');
  await svc?.stop();
});

type Provider = 'africastalking' | 'hubtel';

/** One USSD session on either gateway: `hop(input)` sends the next input ('' dials). */
function session(provider: Provider, phone: string) {
  const id = provider === 'hubtel' ? randomUUID().replace(/-/g, '') : `ATUid_${randomUUID()}`;
  const inputs: string[] = [];
  /** The request of the next hop (so copies can be sent verbatim to either process). */
  const next = (input: string | null) => {
    if (input !== null) inputs.push(input);
    if (provider === 'africastalking') {
      return {
        path: '/gateways/africastalking/ussd',
        type: 'application/x-www-form-urlencoded',
        body: String(
          new URLSearchParams({
            sessionId: id,
            phoneNumber: phone,
            serviceCode: '*384*1#',
            networkCode: '60801',
            text: inputs.join('*'),
          }),
        ),
      };
    }
    const dial = input === null;
    return {
      path: '/gateways/hubtel/ussd',
      type: 'application/json',
      body: JSON.stringify({
        Type: dial ? 'Initiation' : 'Response',
        Message: dial ? '*713#' : input,
        ServiceCode: '713',
        Operator: 'mtn',
        Mobile: phone.slice(1),
        SessionId: id,
        Sequence: inputs.length + 1,
      }),
    };
  };
  return { next };
}

type Request = ReturnType<ReturnType<typeof session>['next']>;

/** Sends a hop and returns the screen as `END …`/`CON …` for either gateway. */
async function send(base: string, r: Request): Promise<{ status: number; screen: string }> {
  const res = await fetch(`${base}${r.path}`, {
    method: 'POST',
    headers: { 'content-type': r.type },
    body: r.body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (res.status !== 200 || !r.path.includes('hubtel')) return { status: res.status, screen: text };
  const body = JSON.parse(text) as { Type: string; Message: string };
  return { status: res.status, screen: `${body.Type === 'Release' ? 'END' : 'CON'} ${body.Message}` };
}

/** The steps a dialog can stand at when the burst hits, with the hop sent and what it must change. */
const STEPS = [
  'first_dial',
  'cached_first_dial',
  'redial_resume',
  'menu_choice',
  'code_entry',
  'confirm_ussd_pin',
] as const;
type Step = (typeof STEPS)[number];
const EXPECTED_SCREEN: Record<Step, RegExp> = {
  first_dial: /^CON Molam ID\n1\. /,
  // The caller's language is cached and the dialog gone: BEGIN makes the dialog itself (issue 12 step 5).
  cached_first_dial: /^CON Molam ID\n1\. /,
  redial_resume: /^CON Molam ID\n.*reset in progress/,
  menu_choice: /^CON .*code/i,
  code_entry: /^CON .*PIN/,
  confirm_ussd_pin: /^END .*PIN has been changed/,
};

interface Prepared {
  step: Step;
  provider: Provider;
  phone: string;
  hop: Request;
  versionBefore: number;
}

// The record is sealed (or a fresh-dialog reference) under an HMAC-named key: read it as the service's runtime does.
const versionOf = async (phone: string) => (await svc.app.services.dialogs.dialogsOf(phone))?.version ?? 0;

/** Brings a fresh user's dialog to just before `step` (on the in-process service) and returns the hop to duplicate. */
async function prepare(step: Step, provider: Provider, index: number): Promise<Prepared> {
  // The index ends the number, so masked subjects in the audit log stay distinct.
  const phone = `+22177${String(randomInt(0, 100_000)).padStart(5, '0')}${String(index).padStart(2, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
  const s = session(provider, phone);
  const go = async (input: string | null) => (await send(svc.url, s.next(input))).screen;
  let hop: Request;
  if (step === 'first_dial') hop = s.next(null);
  else if (step === 'cached_first_dial') {
    expect(await go(null)).toMatch(/^CON Molam ID/);
    // The dialog expires; the language it cached stays.
    const store = createDialogStore(svc.app.kv, { pepper: svc.app.config.pepper, dialogTtlMs: 60_000 });
    await svc.app.kv.delete(store.subscriber(phone).dialogKey);
    hop = session(provider, phone).next(null);
  } else {
    expect(await go(null)).toMatch(/^CON Molam ID/);
    if (step === 'menu_choice') hop = s.next('1');
    else {
      expect(await go('1')).toMatch(/^CON .*code/i);
      const otp = await svc.lastOtpFor(phone);
      if (step === 'redial_resume') hop = session(provider, phone).next(null);
      else if (step === 'code_entry') hop = s.next(otp);
      else {
        expect(await go(otp)).toMatch(/^CON .*PIN/);
        expect(await go(PIN)).toMatch(/^CON /);
        hop = s.next(PIN);
      }
    }
  }
  return { step, provider, phone, hop, versionBefore: await versionOf(phone) };
}

const count = async (sql: string, params: unknown[]) => (await svc.app.db.query<{ n: number }>(sql, params)).rows[0]!.n;

/** How many times each transition of `p.step` happened, read from Postgres and Redis. */
async function transitions(p: Prepared): Promise<Record<string, number>> {
  const requests = (status: string) =>
    count(
      `SELECT count(*)::int AS n FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1 AND r.status = ANY($2)`,
      [p.phone, status.split(',')],
    );
  const audits = (action: string) =>
    count(`SELECT count(*)::int AS n FROM molam_audit_log WHERE action = $1 AND subject = $2`, [
      action,
      maskPhone(p.phone),
    ]);
  const userAudits = (action: string) =>
    count(
      `SELECT count(*)::int AS n FROM molam_audit_log a JOIN molam_users u ON u.id = a.user_id WHERE a.action = $1 AND u.phone_e164 = $2`,
      [action, p.phone],
    );
  const dialogVersionStep = async () => (await versionOf(p.phone)) - p.versionBefore;
  switch (p.step) {
    case 'first_dial':
    case 'cached_first_dial':
      return {
        dialogVersionStep: await dialogVersionStep(),
        resetRequests: await requests('pending,verified,completed,cancelled'),
      };
    case 'redial_resume':
      return {
        dialogVersionStep: await dialogVersionStep(),
        resetRequests: await requests('pending,verified,completed,cancelled'),
      };
    case 'menu_choice':
      return {
        dialogVersionStep: await dialogVersionStep(),
        resetRequests: await requests('pending'),
        requestedAudits: await audits('reset.requested'),
      };
    case 'code_entry':
      return {
        dialogVersionStep: await dialogVersionStep(),
        verifiedRequests: await requests('verified'),
        verifiedAudits: await userAudits('reset.verified'),
        attemptsSpent: await count(
          `SELECT coalesce(sum(r.attempts), 0)::int AS n FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1`,
          [p.phone],
        ),
      };
    case 'confirm_ussd_pin':
      return {
        completedRequests: await requests('completed'),
        completedAudits: await userAudits('reset.completed'),
        credentialChanges: await count(
          `SELECT count(*)::int AS n FROM molam_credential_history h JOIN molam_users u ON u.id = h.user_id WHERE u.phone_e164 = $1`,
          [p.phone],
        ),
        events: await count(
          `SELECT count(*)::int AS n FROM molam_outbox o JOIN molam_users u ON u.id = o.aggregate_id WHERE u.phone_e164 = $1`,
          [p.phone],
        ),
      };
  }
}

const ONE: Record<Step, Record<string, number>> = {
  first_dial: { dialogVersionStep: 1, resetRequests: 0 },
  cached_first_dial: { dialogVersionStep: 1, resetRequests: 0 },
  redial_resume: { dialogVersionStep: 1, resetRequests: 1 },
  menu_choice: { dialogVersionStep: 1, resetRequests: 1, requestedAudits: 1 },
  code_entry: { dialogVersionStep: 1, verifiedRequests: 1, verifiedAudits: 1, attemptsSpent: 1 },
  confirm_ussd_pin: { completedRequests: 1, completedAudits: 1, credentialChanges: 1, events: 1 },
};

describe('a burst of duplicate hops across two processes', () => {
  it('runs exactly one transition per distinct hop for 240 copies of 24 hops at six steps, and answers every copy alike', async () => {
    const prepared: Prepared[] = [];
    for (const [i, step] of STEPS.flatMap((s) => [s, s, s, s]).entries()) {
      prepared.push(await prepare(step, i % 4 < 2 ? 'africastalking' : 'hubtel', i));
    }
    expect(new Set(prepared.map((p) => p.phone)).size).toBe(prepared.length);

    // 10 copies of each hop, shuffled, each to a process picked at random, all in flight at once.
    const copies = prepared.flatMap((p, d) =>
      Array.from({ length: COPIES }, () => ({ d, base: Math.random() < 0.5 ? svc.url : second.url })),
    );
    for (let i = copies.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [copies[i], copies[j]] = [copies[j]!, copies[i]!];
    }
    const answers = await Promise.all(
      copies.map(async ({ d, base }) => ({ d, ...(await send(base, prepared[d]!.hop)) })),
    );
    expect(copies.filter((c) => c.base === second.url).length).toBeGreaterThan(0);

    const report = prepared.map((p, d) => {
      const mine = answers.filter((a) => a.d === d);
      const screens = [...new Set(mine.map((a) => `${a.status} ${a.screen}`))];
      return { dialog: `${p.step}/${p.provider}`, copies: mine.length, screens };
    });
    const expectedReport = prepared.map((p) => ({
      dialog: `${p.step}/${p.provider}`,
      copies: COPIES,
      screens: [
        expect.stringMatching(
          new RegExp(`^200 ${EXPECTED_SCREEN[p.step].source.slice(1)}`, EXPECTED_SCREEN[p.step].flags),
        ),
      ],
    }));
    expect(report).toEqual(expectedReport);

    await svc.app.settle();
    const counted = await Promise.all(
      prepared.map(async (p) => ({ dialog: `${p.step}/${p.provider}`, ...(await transitions(p)) })),
    );
    expect(counted).toEqual(prepared.map((p) => ({ dialog: `${p.step}/${p.provider}`, ...ONE[p.step] })));
  }, 60_000);
});
