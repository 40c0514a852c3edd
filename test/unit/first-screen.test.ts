/**
 * The runtime answers a first dial from a template per (language, knowledge check) instead of
 * an actor (issue 12 step 4): the template must give exactly what the actor gives, for every input.
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor } from 'xstate';
import { describeScreen } from '../../machines/screen.js';
import { LANGS, type DialogInput } from '../../machines/types.js';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import { createFirstScreens, freshDialogsOf } from '../../src/dialogs/first-screen.js';

const render = (s: Parameters<typeof describeScreen>[0]) => describeScreen(s);
const byActor = (input: DialogInput) => {
  const actor = createActor(ussdDialogMachine, { input });
  actor.start();
  const snapshot = actor.getSnapshot();
  const out = {
    persisted: actor.getPersistedSnapshot(),
    reply: render(snapshot),
    active: snapshot.status === 'active',
  };
  actor.stop();
  return out;
};

describe('first screen without an actor', () => {
  const checks = [null, 'birth_year', 'id_last4'];
  const inputs = [...LANGS, null].flatMap((lang) => checks.map((knowledgeCheck) => ({ lang, knowledgeCheck })));

  it.each(inputs)('gives what the actor gives (lang $lang, check $knowledgeCheck)', ({ lang, knowledgeCheck }) => {
    const first = createFirstScreens(ussdDialogMachine, render);
    for (const phone of ['+221770000001', '+233240000002', '+221770000003']) {
      const input = { phone, lang, knowledgeCheck } as DialogInput;
      const got = first(input);
      expect(got).not.toBeNull();
      expect(JSON.parse(JSON.stringify(got))).toEqual(JSON.parse(JSON.stringify(byActor(input))));
    }
  });

  it('hands each dialog its own context: changing one never shows in the next', () => {
    const first = createFirstScreens(ussdDialogMachine, render);
    const a = first({ phone: '+221770000001', lang: 'fr', knowledgeCheck: null })!;
    a.persisted.context.requestId = 'changed';
    const next = first({ phone: '+221770000002', lang: 'fr', knowledgeCheck: null })!;
    expect(next.persisted.context).toMatchObject({ requestId: null, phone: '+221770000002' });
  });
});

describe('fresh dialogs: what the store may write as references (issue 12 step 5)', () => {
  const screen = (s: Parameters<typeof describeScreen>[0]): { text: string; end: boolean } => {
    const { id, end } = describeScreen(s);
    return { text: id, end };
  };
  const freshOf = (machine: typeof ussdDialogMachine, r = screen) =>
    freshDialogsOf(machine, r, createFirstScreens(machine, r));

  it('covers every language and "ask", keeps the redial, and names the same build in two processes', () => {
    const fresh = freshOf(ussdDialogMachine);
    expect(fresh.langs).toEqual([...LANGS, null]);
    expect(fresh.redialKeeps).toBe(true);
    expect(freshOf(ussdDialogMachine).build).toBe(fresh.build);
    expect(fresh.snapshot('fr', '+221770000001')).toMatchObject({ context: { phone: '+221770000001', lang: 'fr' } });
    expect(fresh.reply(null)).toEqual({ text: 'language', end: false });
  });

  it('does not keep the redial when a DIAL changes the dialog', () => {
    const changing = ussdDialogMachine.provide({ actions: { clearError: assign({ page: 1 }) } });
    expect(freshOf(changing).redialKeeps).toBe(false);
  });

  it('names another build when a first screen reads otherwise', () => {
    const reworded = (s: Parameters<typeof describeScreen>[0]) => ({ ...screen(s), text: `${screen(s).text}!` });
    expect(freshOf(ussdDialogMachine, reworded).build).not.toBe(freshOf(ussdDialogMachine).build);
  });
});
