/**
 * Model-based tests of the root USSD dialog. Pure: xstate/graph walks the real
 * machine; each path is replayed on a live actor whose effects are fakes the
 * path settles with the outcome it names. Nothing else is real.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { StatePath } from 'xstate/graph';
import { describeScreen } from '../../machines/screen.js';
import type { DialogInput, ScreenId } from '../../machines/types.js';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import {
  EFFECTS,
  VERIFIED,
  createDeferredEffects,
  createDialogModel,
  eventCases,
  leafOf,
  leanEventCases,
  type DialogSnapshot,
  type ModelEvent,
} from './dialog-harness.js';

const WAITING = [
  'checkingKnowledge',
  'sending',
  'verifyingCode',
  'resendingCode',
  'checkingSecret',
  'completing',
  'cancelling',
  'abandoning',
  'closing',
];
// States only a verified code may lead to.
const AFTER_VERIFY = [
  'newSecret',
  'checkingSecret',
  'confirmSecret',
  'completing',
  'done',
  'closing',
  'too_many_mismatches',
  'too_many_secrets',
];
const SECRETS = ['4821', '123456', '1990'];

/** The screen each state must show, written from the state names (independent of meta). */
function expectedScreen(state: DialogSnapshot): ScreenId {
  const leaf = leafOf(state.value);
  const kind = typeof state.value === 'object' && 'passwordReset' in state.value ? 'password' : 'ussd_pin';
  if (WAITING.includes(leaf)) return 'wait';
  if (leaf === 'askKnowledge') return `knowledge_${state.context.knowledgeCheck!}`;
  if (leaf === 'enterCode') return 'enter_code';
  if (leaf === 'newSecret') return `new_${kind}`;
  if (leaf === 'confirmSecret') return `confirm_${kind}`;
  if (leaf === 'done') return `done_${state.context.kind ?? 'ussd_pin'}`;
  if (leaf === 'refused') return `refused_${state.context.refusal!}`;
  return leaf as ScreenId; // language, menu, resume and END states are named after their screen
}

const short = (event: ModelEvent): string => {
  if (event.type === 'INPUT') return `"${event.text}"`;
  if (event.type === 'SMS_CODE') return `sms ${event.code}`;
  if ('output' in event) return `${event.type.slice(18)}:${JSON.stringify(event.output ?? 'void').replace(/"/g, '')}`;
  if ('error' in event) return `${event.type.slice(19)}:error`;
  return event.type;
};
const describePath = (path: StatePath<DialogSnapshot, ModelEvent>) =>
  `${describeScreen(path.state).id} via ${
    path.steps
      .slice(1)
      .map((s) => short(s.event))
      .join(' > ') || 'start'
  }`;

/** Replays a path on a live actor and checks every state it passes through. */
async function replay(
  model: ReturnType<typeof createDialogModel>,
  path: StatePath<DialogSnapshot, ModelEvent>,
  input: DialogInput,
) {
  const effects = createDeferredEffects();
  const actor = createActor(ussdDialogMachine.provide({ actors: effects.actors as never }), { input }).start();
  let lastEvent: ModelEvent | undefined;
  let verified = false; // the current request's code was verified
  const run =
    (exec: (event: ModelEvent) => void) =>
    async ({ event }: { event: ModelEvent }) => {
      lastEvent = event;
      if (JSON.stringify(event) === JSON.stringify(VERIFIED)) verified = true;
      exec(event);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the fake settle and the actor react
    };
  const events: Record<string, ReturnType<typeof run>> = {};
  for (const type of ['DIAL', 'INPUT', 'SMS_CODE', 'NOT_ME']) events[type] = run((event) => actor.send(event as never));
  for (const name of EFFECTS) {
    events[`xstate.done.actor.${name}`] = run((event) => effects.settle(name, (event as { output: unknown }).output));
    events[`xstate.error.actor.${name}`] = run(() => effects.fail(name));
  }
  const check = (modelState: DialogSnapshot) => {
    const real = actor.getSnapshot();
    const leaf = leafOf(real.value);
    if (leaf === 'sending') verified = false; // a new request needs its own code
    expect(real.value).toEqual(modelState.value);
    const screen = describeScreen(real);
    expect(screen.id).toBe(expectedScreen(modelState));
    expect(screen.id).toBe(describeScreen(modelState).id);
    expect(screen.end).toBe(real.status === 'done' || real.hasTag('busy'));
    expect(real.context.error).toBe(modelState.context.error);
    if (real.context.error) expect(screen.params.error).toBe(real.context.error);
    // Paging never leaks into the next screen.
    if (!(lastEvent?.type === 'INPUT' && lastEvent.text === '98')) expect(real.context.page).toBe(0);
    if (AFTER_VERIFY.includes(leaf)) expect(verified, `${leaf} reached without a verified code`).toBe(true);
    // What the runtime stores (it persists only non-busy snapshots: a busy one holds the effect's input).
    if (!real.hasTag('busy')) {
      const persisted = JSON.stringify(actor.getPersistedSnapshot());
      for (const secret of SECRETS) expect(persisted).not.toContain(secret);
    }
  };
  await model.testPath(path, { states: { '*': check }, events: events as never });
  actor.stop();
}

const INPUTS: Array<[string, DialogInput]> = [
  ['unknown language, birth-year check', { phone: '+221770000000', lang: null, knowledgeCheck: 'birth_year' }],
  ['French, no knowledge check', { phone: '+221770000000', lang: 'fr', knowledgeCheck: null }],
];

describe.each(INPUTS)('USSD dialog model (%s)', (_, input) => {
  const model = createDialogModel(input);
  const shortest = model.getShortestPaths();

  describe('shortest paths to every state', () => {
    for (const path of shortest) it(describePath(path), () => replay(model, path, input));
  });

  it('visits every reachable state on some shortest path', () => {
    const reachable = new Set(Object.values(model.getAdjacencyMap()).map((v) => JSON.stringify(v.state.value)));
    const visited = new Set(shortest.flatMap((p) => p.steps.map((s) => JSON.stringify(s.state.value))));
    expect([...reachable].filter((value) => !visited.has(value))).toEqual([]);
  });

  const lean = createDialogModel(input, leanEventCases);
  describe('simple paths to done', () => {
    const simple = lean.getSimplePaths({ toState: (s) => s.matches('done') });
    it('exist for both kinds', () => {
      expect(new Set(simple.map((p) => p.state.context.kind))).toEqual(new Set(['ussd_pin', 'password']));
    });
    for (const path of simple) it(describePath(path), () => replay(lean, path, input));
  });

  it('cannot reach a new secret or done unless verifyCode says ok', () => {
    const withoutOk = createDialogModel(input, (s) => eventCases(s).filter((e) => e !== VERIFIED));
    const leaves = Object.values(withoutOk.getAdjacencyMap()).map((v) => leafOf(v.state.value));
    expect(leaves.filter((leaf) => AFTER_VERIFY.includes(leaf))).toEqual([]);
    // Control: the same alphabet with the ok outcome does reach them all.
    const all = new Set(Object.values(model.getAdjacencyMap()).map((v) => leafOf(v.state.value)));
    for (const leaf of AFTER_VERIFY) expect(all.has(leaf)).toBe(true);
  });
});
