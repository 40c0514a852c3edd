/**
 * Shared test harness for the USSD dialog machines. Everything is pure and in
 * memory: the effects are scripted fakes that the test settles step by step.
 */
import { createActor, fromPromise, waitFor, type SnapshotFrom } from 'xstate';
import { TestModel } from 'xstate/graph';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import { describeScreen } from '../../machines/screen.js';
import type { DialogInput, DialogMachineEvent } from '../../machines/types.js';

export type DialogSnapshot = SnapshotFrom<typeof ussdDialogMachine>;
/** Every effect the dialog machine invokes (the actors the runtime provides). */
export const EFFECTS = [
  'startReset',
  'checkKnowledge',
  'verifyCode',
  'resendCode',
  'checkNewSecret',
  'completeReset',
  'cancelReset',
] as const;
export type EffectName = (typeof EFFECTS)[number];
/** Dialog events plus the done/error events of the effects, as the graph sees them. */
export type ModelEvent =
  | DialogMachineEvent
  | { type: `xstate.done.actor.${EffectName}`; output: unknown }
  | { type: `xstate.error.actor.${EffectName}`; error: unknown };

const done = (name: EffectName, output: unknown) => ({ type: `xstate.done.actor.${name}`, output }) as ModelEvent;
const fail = (name: EffectName) => ({ type: `xstate.error.actor.${name}`, error: new Error('down') }) as ModelEvent;
const input = (text: string): ModelEvent => ({ type: 'INPUT', text });

export const VERIFIED = done('verifyCode', { outcome: 'ok' });

/** Every effect outcome the contract allows, plus a rejection. */
export const EFFECT_OUTCOMES: Record<EffectName, ModelEvent[]> = {
  startReset: [
    done('startReset', { outcome: 'sent', requestId: 'req-1', expiresInSeconds: 300 }),
    done('startReset', { outcome: 'rate_limited', retryAfterSeconds: 3600 }),
    done('startReset', { outcome: 'blocked', retryAfterSeconds: 3000 }),
    done('startReset', { outcome: 'refused', reason: 'no_account' }),
    done('startReset', { outcome: 'refused', reason: 'cap_reached' }),
    done('startReset', { outcome: 'refused', reason: 'sim_swap' }),
    done('startReset', { outcome: 'refused', reason: 'not_served' }),
    fail('startReset'),
  ],
  checkKnowledge: [done('checkKnowledge', { ok: true }), done('checkKnowledge', { ok: false }), fail('checkKnowledge')],
  verifyCode: [
    VERIFIED,
    done('verifyCode', { outcome: 'invalid', attemptsLeft: 2 }),
    done('verifyCode', { outcome: 'invalid', attemptsLeft: 0 }),
    done('verifyCode', { outcome: 'locked', retryAfterSeconds: 3600 }),
    done('verifyCode', { outcome: 'expired' }),
    fail('verifyCode'),
  ],
  resendCode: [
    done('resendCode', { outcome: 'sent' }),
    done('resendCode', { outcome: 'cooldown', retryAfterSeconds: 45 }),
    done('resendCode', { outcome: 'limit' }),
    done('resendCode', { outcome: 'expired' }),
    fail('resendCode'),
  ],
  checkNewSecret: [
    done('checkNewSecret', { ok: true, digest: 'digest-1' }),
    done('checkNewSecret', { ok: false, reason: 'sequence' }),
    done('checkNewSecret', { ok: false, spent: true }),
    fail('checkNewSecret'),
  ],
  completeReset: [
    done('completeReset', { outcome: 'done' }),
    done('completeReset', { outcome: 'mismatch' }),
    done('completeReset', { outcome: 'expired' }),
    done('completeReset', { outcome: 'rejected', reason: 'reused' }),
    fail('completeReset'),
  ],
  cancelReset: [done('cancelReset', undefined), fail('cancelReset')],
};

/** Inputs worth trying on each screen: valid choices, navigation and garbage. */
const INPUTS: Record<string, string[]> = {
  language: ['1', '2', '7'],
  menu: ['1', '2', '0', '00', 'x'],
  askKnowledge: ['1990', '19', '0', '00'],
  enterCode: ['123456', '12a', '1', '0', '00'],
  newSecret: ['4821', '', '00'],
  confirmSecret: ['4821', '', '0', '00'],
  resume: ['1', '2', '3', '00'],
};

export const leafOf = (value: unknown): string =>
  typeof value === 'string' ? value : leafOf(Object.values(value as object)[0]);

/** The events the model tries in a state: navigation, valid and garbage input, every effect outcome. */
export function eventCases(state: DialogSnapshot): ModelEvent[] {
  const leaf = leafOf(state.value);
  const events: ModelEvent[] = [{ type: 'DIAL' }, { type: 'NOT_ME' }, ...(INPUTS[leaf] ?? []).map(input)];
  // Paging is exercised once per screen; MAX_PAGE bounds it, but 10 pages add nothing.
  if (state.context.page === 0) events.push(input('98'));
  if (leaf === 'enterCode') events.push({ type: 'SMS_CODE', code: '123456' }, { type: 'SMS_CODE', code: 'abc' });
  return [...events, ...Object.values(EFFECT_OUTCOMES).flat()];
}

/**
 * What decides the dialog's future and its screen: guards read only hasRequest
 * and the two counters (kind, refusal, error and page pick texts), and the history matters only while `resume` is shown
 * (reaching resume always rewrites it). Merging the rest keeps the graph small
 * (a few hundred states instead of ~160k) without losing a reachable behaviour.
 */
export const serializeState = (state: DialogSnapshot) => {
  const c = state.context;
  const resumeTo =
    leafOf(state.value) === 'resume'
      ? Object.values(state.historyValue)
          .flat()
          .map((n) => n.id)
      : [];
  return JSON.stringify([
    state.value,
    c.kind,
    c.requestId !== null,
    c.knowledgeFailures,
    c.mismatches,
    c.refusal,
    c.error,
    c.page,
    resumeTo,
  ]);
};

/**
 * A model of the root dialog. createTestModel() refuses machines that invoke
 * actors ("Invocations on test machines are not supported"); our effects are
 * invoked, and the model drives them as explicit done/error events instead,
 * so TestModel is built directly with createTestModel's own options.
 */
export function createDialogModel(
  dialogInput: DialogInput,
  events: (state: DialogSnapshot) => ModelEvent[] = eventCases,
) {
  return new TestModel<DialogSnapshot, ModelEvent, DialogInput>(ussdDialogMachine as never, {
    input: dialogInput,
    events: events as never,
    serializeState: serializeState as never,
    serializeEvent: (event) => JSON.stringify(event),
    // A finished dialog takes no event (the graph would still try the root's NOT_ME).
    filterEvents: (state, event) => state.status === 'active' && state.can(event as never),
    stateMatcher: (state, key) => state.matches(key as never),
    logger: { log: () => {}, error: () => {} },
  });
}

/** Only the valid answers, a resend, resume detours and one failure per step: simple paths stay few. */
const HAPPY: Record<string, string[]> = {
  language: ['1'],
  menu: ['1', '2'],
  askKnowledge: ['1990'],
  enterCode: ['123456', '1'],
  newSecret: ['4821'],
  confirmSecret: ['4821'],
  resume: ['1'],
};
export function leanEventCases(state: DialogSnapshot): ModelEvent[] {
  const leaf = leafOf(state.value);
  const events: ModelEvent[] = (HAPPY[leaf] ?? []).map(input);
  if (leaf === 'enterCode') events.push({ type: 'SMS_CODE', code: '123456' }, { type: 'DIAL' });
  if (leaf === 'confirmSecret') events.push({ type: 'DIAL' });
  const { checkKnowledge, verifyCode, checkNewSecret, completeReset } = EFFECT_OUTCOMES;
  const firsts = Object.values(EFFECT_OUTCOMES).map((outcomes) => outcomes[0]!);
  return [...events, ...firsts, checkKnowledge[1]!, verifyCode[1]!, checkNewSecret[1]!, completeReset[1]!];
}

type Pending = { resolve: (output: unknown) => void; reject: (error: unknown) => void };

/** Fake effects that wait until the test settles them: the model's done events drive them. */
export function createDeferredEffects() {
  const pending = new Map<EffectName, Pending>();
  const calls: Array<{ name: EffectName; input: unknown }> = [];
  const make = (name: EffectName) =>
    fromPromise<unknown, unknown>(({ input }) => {
      calls.push({ name, input });
      return new Promise((resolve, reject) => pending.set(name, { resolve, reject }));
    });
  const actors = Object.fromEntries(EFFECTS.map((name) => [name, make(name)]));
  const take = (name: EffectName) => {
    const p = pending.get(name);
    if (!p) throw new Error(`${name} was not invoked`);
    pending.delete(name);
    return p;
  };
  return {
    actors,
    calls,
    settle: (name: EffectName, output: unknown) => take(name).resolve(output),
    fail: (name: EffectName) => take(name).reject(new Error('down')),
  };
}

/** Fake effects answering from per-effect queues; an empty queue rejects (→ unavailable). */
export function createQueuedEffects(outputs: Partial<Record<EffectName, unknown[]>>) {
  const calls: Array<{ name: EffectName; input: unknown }> = [];
  const make = (name: EffectName) =>
    fromPromise<unknown, unknown>(async ({ input }) => {
      calls.push({ name, input });
      const queue = outputs[name] ?? [];
      if (queue.length === 0) throw new Error(`no scripted ${name} output`);
      return queue.shift();
    });
  const actors = Object.fromEntries(EFFECTS.map((name) => [name, make(name)]));
  return { actors, calls, count: (name: EffectName) => calls.filter((c) => c.name === name).length };
}

export const PHONE = '+221770000000';

/** A live dialog over queued fakes, driven the way the runtime does: send, then wait for not busy. */
export function startDialog(outputs: Partial<Record<EffectName, unknown[]>>, dialogInput: Partial<DialogInput> = {}) {
  const effects = createQueuedEffects(outputs);
  const machine = ussdDialogMachine.provide({ actors: effects.actors as never });
  const actor = createActor(machine, {
    input: { phone: PHONE, lang: 'en', knowledgeCheck: null, ...dialogInput },
  }).start();
  const send = async (...events: DialogMachineEvent[]) => {
    for (const event of events) {
      actor.send(event);
      await waitFor(actor, (s) => !s.hasTag('busy'));
    }
    return describeScreen(actor.getSnapshot());
  };
  const type = (...texts: string[]) => send(...texts.map((text) => ({ type: 'INPUT', text }) as const));
  return { actor, effects, machine, send, type, screen: () => describeScreen(actor.getSnapshot()) };
}
