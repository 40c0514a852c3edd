/**
 * A new dialog's first screen, computed once per (language, knowledge check) instead of by an
 * actor on every dial (issue 12 step 4: a first dial is the usual hop of someone who needs a reset).
 * It is only kept when it cannot differ between callers: when first computed, two phones must give
 * the same snapshot but for the phone and the same screen, with no effect running. A machine whose
 * first state reads the phone or starts an effect gets no template: every dial then runs it.
 */
import { createHash } from 'node:crypto';
import { createActor, type SnapshotFrom } from 'xstate';
import type { ScreenReply } from '../../machines/dialog-event.js';
import type { DialogInput } from '../../machines/types.js';
import type { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import { LANG_OPTIONS, type FreshDialogs } from './dialog-store.js';

type DialogMachine = typeof ussdDialogMachine;

export interface FirstScreen<Reply> {
  persisted: { context: Record<string, unknown> } & Record<string, unknown>;
  reply: Reply;
  active: boolean;
}

export function createFirstScreens<Reply>(machine: DialogMachine, render: (s: SnapshotFrom<DialogMachine>) => Reply) {
  const run = (input: DialogInput): FirstScreen<Reply> & { busy: boolean } => {
    const actor = createActor(machine, { input });
    actor.start();
    const snapshot = actor.getSnapshot();
    const first = {
      persisted: actor.getPersistedSnapshot() as unknown as FirstScreen<Reply>['persisted'],
      reply: render(snapshot),
      active: snapshot.status === 'active',
      busy: snapshot.hasTag('busy'),
    };
    actor.stop();
    return first;
  };
  const withPhone = (first: FirstScreen<Reply>, phone: string): FirstScreen<Reply> => ({
    ...first,
    persisted: { ...first.persisted, context: { ...first.persisted.context, phone } },
  });
  const templateFor = (input: DialogInput): FirstScreen<Reply> | null => {
    const a = run(input);
    const b = run({ ...input, phone: `${input.phone}0` });
    const idle = !a.busy && Object.keys(a.persisted.children ?? {}).length === 0;
    const same = JSON.stringify(withPhone(b, input.phone)) === JSON.stringify(a);
    return same && idle ? { persisted: a.persisted, reply: a.reply, active: a.active } : null;
  };
  const templates = new Map<string, FirstScreen<Reply> | null>();
  /** The first screen and snapshot of a new dialog with this input, or null when the machine must run. */
  return (input: DialogInput): FirstScreen<Reply> | null => {
    // Every input field but the phone: a field added to DialogInput later gets its own templates.
    const key = JSON.stringify({ ...input, phone: '' });
    if (!templates.has(key)) templates.set(key, templateFor(input));
    const template = templates.get(key);
    return template ? withPhone(template, input.phone) : null;
  };
}

/** A new dialog's input when its first screen can be a reference: a language (or null: ask), no knowledge question. */
export const freshInput = (phone: string, lang: DialogInput['lang']): DialogInput => ({
  phone,
  lang,
  knowledgeCheck: null,
});

/**
 * The new dialogs the dialog store may name by reference instead of sealing (see dialog-store.ts):
 * those with no knowledge question whose first screen is fixed and leaves the dialog live.
 * `build` hashes them all, so a reference written by a build whose first screens differ is no dialog here.
 */
export function freshDialogsOf<Reply extends ScreenReply>(
  machine: DialogMachine,
  render: (s: SnapshotFrom<DialogMachine>) => Reply,
  firstScreen: (input: DialogInput) => FirstScreen<Reply> | null,
): FreshDialogs {
  const langs = LANG_OPTIONS.filter((lang) => {
    const first = firstScreen(freshInput('', lang));
    return first !== null && first.active && !first.reply.end;
  });
  const all = langs.map((lang) => [lang, firstScreen(freshInput('', lang))]);
  // A redial (DIAL) onto each of these dialogs, run once: when it changes neither snapshot nor screen, the
  // store may answer a redial onto a fresh dialog as it answers a first dial.
  const redialKeeps = langs.every((lang) => {
    const first = firstScreen(freshInput('', lang))!;
    const actor = createActor(machine, { input: freshInput('', lang), snapshot: first.persisted as never });
    actor.start();
    actor.send({ type: 'DIAL' });
    const after = { persisted: actor.getPersistedSnapshot(), reply: render(actor.getSnapshot()) };
    actor.stop();
    return JSON.stringify(after) === JSON.stringify({ persisted: first.persisted, reply: first.reply });
  });
  return {
    build: createHash('sha256').update(JSON.stringify(all)).digest('base64url').slice(0, 10),
    langs,
    redialKeeps,
    snapshot: (lang, phone) => firstScreen(freshInput(phone, lang))!.persisted,
    reply: (lang) => {
      const { text, end } = firstScreen(freshInput('', lang))!.reply;
      return { text, end };
    },
  };
}
