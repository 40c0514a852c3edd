/**
 * Properties of the root USSD dialog machine (pure: no I/O). Random event
 * sequences (INPUT from a rich arbitrary, DIAL, SMS_CODE, NOT_ME) run against
 * fake effects backed by a small model of the reset service: codes expire
 * after a few steps, a verified code is used, a request is cancelled when a
 * new one starts. Effect outcomes are random (and adversarial: the fake
 * completeReset may answer "done" at any time). Between steps the dialog is
 * sometimes persisted and restored, as the runtime does on every hop.
 */
import fc from 'fast-check';
import { createActor, fromPromise, waitFor, type AnyActorRef, type Snapshot, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { describeScreen } from '../../machines/screen.js';
import type { DialogInput, DialogMachineEvent, KnowledgeQuestion, Lang } from '../../machines/types.js';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import { renderUssdScreen, USSD_MAX_CHARS } from '../../src/i18n/render-ussd-screen.js';
import { ussdInput } from './arbitraries.js';

type DialogSnapshot = SnapshotFrom<typeof ussdDialogMachine>;
type RequestStatus = 'pending' | 'verified' | 'used' | 'cancelled' | 'locked' | 'expired';

/** The service side, as the effects see it; `pick` draws the random outcomes. */
class FakeResetService {
  clock = 0;
  private seq = 0;
  private draws = 0;
  readonly requests = new Map<string, { status: RequestStatus; issuedAt: number }>();
  /** The live request of the phone (the newest one sent). */
  latest: string | null = null;
  /** Requests whose code the service accepted (only ever while pending and unexpired). */
  readonly verifiedOk = new Set<string>();
  readonly violations: string[] = [];
  /** Outcomes of verifyCode during the current step. */
  stepVerifies: string[] = [];
  knowledgeOk = 0;
  startCalls = 0;

  constructor(
    private readonly choices: number[],
    private readonly ttlSteps: number,
    private readonly knowledgeRequired: boolean,
  ) {}

  pick(n: number): number {
    const c = this.choices[this.draws % this.choices.length]! + Math.floor(this.draws / this.choices.length);
    this.draws += 1;
    return c % n;
  }

  private live(id: string) {
    const r = this.requests.get(id);
    if (r && r.status === 'pending' && this.clock - r.issuedAt > this.ttlSteps) r.status = 'expired';
    return r;
  }

  readonly actors = {
    startReset: fromPromise(async () => {
      this.startCalls += 1;
      if (this.knowledgeRequired && this.startCalls > this.knowledgeOk)
        this.violations.push('a code was sent without a passed knowledge check');
      switch (this.pick(8)) {
        case 0:
          return { outcome: 'rate_limited' as const, retryAfterSeconds: 1 + this.pick(7200) };
        case 1:
          return {
            outcome: 'refused' as const,
            reason: (['no_account', 'cap_reached', 'sim_swap'] as const)[this.pick(3)]!,
          };
        case 2:
          throw new Error('postgres down');
        default: {
          // Like insertResetRequest: a new request cancels the live one.
          for (const r of this.requests.values())
            if (r.status === 'pending' || r.status === 'verified') r.status = 'cancelled';
          const requestId = `req-${(this.seq += 1)}`;
          this.requests.set(requestId, { status: 'pending', issuedAt: this.clock });
          this.latest = requestId;
          return { outcome: 'sent' as const, requestId, expiresInSeconds: 300 };
        }
      }
    }),
    checkKnowledge: fromPromise(async () => {
      const n = this.pick(5);
      if (n === 1) throw new Error('postgres down');
      if (n !== 0) this.knowledgeOk += 1;
      return { ok: n !== 0 };
    }),
    verifyCode: fromPromise(async ({ input }: { input: { requestId: string; code: string } }) => {
      if (input.requestId !== this.latest)
        this.violations.push(`verifyCode on ${input.requestId || '(no request)'}, not the live request ${this.latest}`);
      if (!/^\d{6}$/.test(input.code))
        this.violations.push(`verifyCode with a malformed code ${JSON.stringify(input.code)}`);
      const r = this.live(input.requestId);
      const answer = (() => {
        // The service's view wins: an unknown, expired, used or cancelled code is never accepted.
        if (!r || r.status === 'expired' || r.status === 'verified' || r.status === 'used' || r.status === 'cancelled')
          return { outcome: 'expired' as const };
        if (r.status === 'locked') return { outcome: 'locked' as const, retryAfterSeconds: 3600 };
        switch (this.pick(6)) {
          case 0:
            return { outcome: 'invalid' as const, attemptsLeft: this.pick(5) };
          case 1:
            r.status = 'locked';
            return { outcome: 'locked' as const, retryAfterSeconds: 3600 };
          case 2:
            throw new Error('postgres down');
          default:
            r.status = 'verified';
            this.verifiedOk.add(input.requestId);
            return { outcome: 'ok' as const };
        }
      })();
      this.stepVerifies.push(answer.outcome);
      return answer;
    }),
    resendCode: fromPromise(async ({ input }: { input: { requestId: string } }) => {
      const r = this.live(input.requestId);
      if (!r || r.status !== 'pending') return { outcome: 'expired' as const };
      switch (this.pick(5)) {
        case 0:
          return { outcome: 'cooldown' as const, retryAfterSeconds: 1 + this.pick(60) };
        case 1:
          return { outcome: 'limit' as const };
        case 2:
          throw new Error('sms provider down');
        default:
          r.issuedAt = this.clock;
          return { outcome: 'sent' as const };
      }
    }),
    checkNewSecret: fromPromise(async ({ input }: { input: { requestId: string } }) => {
      if (!this.verifiedOk.has(input.requestId))
        this.violations.push(`checkNewSecret on unverified ${input.requestId}`);
      switch (this.pick(5)) {
        case 0:
          return {
            ok: false as const,
            reason: (['sequence', 'repeated', 'common', 'reused', 'length', 'format', 'weak'] as const)[this.pick(7)]!,
          };
        case 1:
          throw new Error('postgres down');
        default:
          return { ok: true as const, digest: `digest-${this.pick(3)}` };
      }
    }),
    // Adversarial: may answer "done" whatever the state; the machine alone must keep done behind a verified code.
    completeReset: fromPromise(async ({ input }: { input: { requestId: string } }) => {
      if (!this.verifiedOk.has(input.requestId)) this.violations.push(`completeReset on unverified ${input.requestId}`);
      const r = this.requests.get(input.requestId);
      switch (this.pick(8)) {
        case 0:
          return { outcome: 'mismatch' as const };
        case 1:
          return { outcome: 'expired' as const };
        case 2:
          return { outcome: 'rejected' as const, reason: 'reused' as const };
        case 3:
          throw new Error('postgres down');
        default:
          if (r) r.status = 'used';
          return { outcome: 'done' as const };
      }
    }),
    cancelReset: fromPromise(async ({ input }: { input: { requestId: string } }) => {
      const r = this.requests.get(input.requestId);
      if (r && (r.status === 'pending' || r.status === 'verified')) r.status = 'cancelled';
      if (this.pick(4) === 0) throw new Error('postgres down');
    }),
  };
}

/** Answers that move a dialog forward (choice, year, code, secret), so random dialogs get deep. */
const forward = fc.constantFrom('1', '2', '1990', '123456', '4826');
const navigation = fc.constantFrom('0', '00', '98', '');
/** A dialog event as the runtime sends it (inputs trimmed). */
const dialogEvent: fc.Arbitrary<DialogMachineEvent> = fc.oneof(
  { weight: 6, arbitrary: ussdInput.map((text) => ({ type: 'INPUT' as const, text: text.trim() })) },
  { weight: 16, arbitrary: forward.map((text) => ({ type: 'INPUT' as const, text })) },
  { weight: 3, arbitrary: navigation.map((text) => ({ type: 'INPUT' as const, text })) },
  { weight: 2, arbitrary: fc.constant({ type: 'DIAL' as const }) },
  {
    weight: 2,
    arbitrary: fc.oneof(fc.stringMatching(/^\d{6}$/), ussdInput).map((code) => ({ type: 'SMS_CODE' as const, code })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'NOT_ME' as const }) },
);

const step = fc.record({ event: dialogEvent, restore: fc.boolean() });
const input = (text: string) => ({ type: 'INPUT' as const, text });
/** The happy path (language, PIN, year, code, PIN twice) with random steps and restores woven in. */
const guidedSteps = fc
  .tuple(
    ...['1', '1', '1990', '123456', '4826', '4826'].map((text) =>
      fc
        .tuple(fc.array(step, { maxLength: 2 }), fc.boolean())
        .map(([noise, restore]) => [...noise, { event: input(text), restore }]),
    ),
  )
  .map((parts) => parts.flat());

const scenario = fc.record({
  lang: fc.constantFrom<Lang | null>(null, 'fr', 'en'),
  knowledgeCheck: fc.constantFrom<KnowledgeQuestion | null>(null, 'birth_year', 'id_last4'),
  ttlSteps: fc.integer({ min: 1, max: 8 }),
  choices: fc.array(fc.nat(), { minLength: 20, maxLength: 120 }),
  steps: fc.oneof(fc.array(step, { minLength: 1, maxLength: 40 }), guidedSteps),
});

const AFTER_VERIFY = ['newSecret', 'checkingSecret', 'confirmSecret', 'completing'];
/** How far the random dialogs got (guards against a vacuous property). */
const reached = { newSecret: 0, confirmSecret: 0, done: 0, expired: 0 };
const leafOf = (value: unknown): string =>
  typeof value === 'string' ? value : leafOf(Object.values(value as object)[0]);

/** Drives one scenario; returns every property violation seen (empty when all hold). */
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function run(s: Scenario): Promise<string[]> {
  const service = new FakeResetService(s.choices, s.ttlSteps, s.knowledgeCheck !== null);
  const machine = ussdDialogMachine.provide({ actors: service.actors as never });
  const input: DialogInput = { phone: '+221770000001', lang: s.lang, knowledgeCheck: s.knowledgeCheck };
  const problems = service.violations;
  const start = (snapshot?: unknown) => {
    const actor = createActor(
      machine,
      snapshot
        ? { input: { phone: input.phone, lang: null, knowledgeCheck: null }, snapshot: snapshot as Snapshot<unknown> }
        : { input },
    );
    actor.subscribe({ error: (err) => problems.push(`actor error: ${(err as Error).message}`) });
    return actor.start();
  };
  let actor = start();

  for (const [i, step] of s.steps.entries()) {
    const at = `step ${i} (${JSON.stringify(step.event).slice(0, 60)})`;
    service.clock += 1;
    service.stepVerifies = [];
    // A finished dialog is gone; the runtime starts a new one for the next dial.
    if (actor.getSnapshot().status !== 'active') actor = start();
    else if (step.restore) {
      const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as unknown;
      actor.stop();
      actor = start(persisted);
    }
    try {
      actor.send(step.event);
      await waitFor(actor as AnyActorRef, (snap) => !snap.hasTag('busy'), { timeout: 2000 });
    } catch (err) {
      problems.push(`${at}: threw ${(err as Error).message}`);
      break;
    }
    const snap = actor.getSnapshot() as DialogSnapshot;
    const leaf = leafOf(snap.value);
    const hasScreen = Object.values(snap.getMeta()).some(
      (m) => typeof (m as { screen?: unknown } | undefined)?.screen === 'string',
    );
    if (!hasScreen) problems.push(`${at}: state ${leaf} has no screen`);
    // (c) every screen renders within 182 characters in fr and en.
    const screen = describeScreen(snap);
    for (const lang of ['fr', 'en'] as const) {
      const text = renderUssdScreen(screen, lang);
      if (text.trim() === '' || text.length > USSD_MAX_CHARS)
        problems.push(`${at}: screen ${screen.id} in ${lang} is ${text.length} characters`);
    }
    if (leaf === 'newSecret' || leaf === 'confirmSecret' || leaf === 'expired') reached[leaf] += 1;
    if (screen.id.startsWith('done_')) reached.done += 1;
    const requestId = snap.context.requestId;
    // (a) done only with a code the service accepted for this very request.
    if (screen.id.startsWith('done_') && !(requestId && service.verifiedOk.has(requestId)))
      problems.push(`${at}: ${screen.id} without a verified code`);
    // (b) past the code only with an accepted code; an expired/used/locked answer ends the dialog there.
    if (AFTER_VERIFY.includes(leaf) && !(requestId && service.verifiedOk.has(requestId)))
      problems.push(`${at}: reached ${leaf} without a verified code`);
    if (service.stepVerifies.includes('expired') && leaf !== 'expired')
      problems.push(`${at}: an expired/used code led to ${leaf}`);
    if (service.stepVerifies.includes('locked') && leaf !== 'locked')
      problems.push(`${at}: a locked request led to ${leaf}`);
    if (service.stepVerifies.includes('ok') && leaf !== 'newSecret')
      problems.push(`${at}: an accepted code led to ${leaf}`);
    if (problems.length > 0) break;
  }
  actor.stop();
  return problems;
}

describe('root USSD dialog machine, property-based (pure, fake effects)', () => {
  it('never reaches done, nor any step past the code, without a code the service accepted for that request (600 random dialogs)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        expect(await run(s)).toEqual([]);
      }),
      { numRuns: 600 },
    );
    // The random dialogs do get past the code and all the way through.
    expect(Math.min(reached.newSecret, reached.confirmSecret, reached.done, reached.expired)).toBeGreaterThan(0);
  }, 60_000);

  it('ends on an expired or used code and never verifies a stale request, with codes expiring after 1-2 steps (400 random dialogs)', async () => {
    const fastExpiry = scenario.chain((s) => fc.integer({ min: 1, max: 2 }).map((ttlSteps) => ({ ...s, ttlSteps })));
    await fc.assert(
      fc.asyncProperty(fastExpiry, async (s) => {
        expect(await run(s)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('reaches "done" on the happy path with these fakes (the properties above are not vacuous)', async () => {
    const happy: DialogMachineEvent[] = ['1', '123456', '4826', '4826'].map((text) => ({ type: 'INPUT', text }));
    const service = new FakeResetService([3, 3, 3, 0, 5, 5], 5, false); // sent, ok, accepted, digest, done
    const actor = createActor(ussdDialogMachine.provide({ actors: service.actors as never }), {
      input: { phone: '+221770000001', lang: 'en', knowledgeCheck: null },
    }).start();
    for (const event of happy) {
      actor.send(event);
      await waitFor(actor as AnyActorRef, (snap) => !snap.hasTag('busy'));
    }
    expect(describeScreen(actor.getSnapshot()).id).toBe('done_ussd_pin');
    expect(service.violations).toEqual([]);
  });
});
