/**
 * One hop = one actor lifetime: the runtime restores the dialog from a JSON
 * snapshot, sends one event, persists and stops. Pure: effects are in-memory fakes.
 */
import { describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, waitFor, type InspectionEvent } from 'xstate';
import { describeScreen } from '../../machines/screen.js';
import type { DialogInput, DialogMachineEvent } from '../../machines/types.js';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import { PHONE, createQueuedEffects, startDialog } from './dialog-harness.js';

const INPUT: DialogInput = { phone: PHONE, lang: 'en', knowledgeCheck: null };
const SENT = { outcome: 'sent', requestId: 'req-7', expiresInSeconds: 300 };

/** What the runtime stores in Redis: the persisted snapshot after a JSON round trip. */
const persist = (actor: { getPersistedSnapshot(): unknown }) =>
  JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));

/** Restores like the runtime, recording every action and actor the restore itself starts. */
function restore(snapshot: unknown, outputs: Parameters<typeof createQueuedEffects>[0]) {
  const effects = createQueuedEffects(outputs);
  const inspected: InspectionEvent[] = [];
  const actor = createActor(ussdDialogMachine.provide({ actors: effects.actors as never }), {
    snapshot: snapshot as never,
    input: INPUT,
    inspect: (event) => inspected.push(event),
  });
  actor.start();
  const onStart = [...inspected];
  const hop = async (event: DialogMachineEvent) => {
    actor.send(event);
    await waitFor(actor, (s) => !s.hasTag('busy'));
    return describeScreen(actor.getSnapshot());
  };
  return { actor, effects, onStart, hop };
}

/**
 * Restores with every named action replaced by a spy: inspection reports spawned
 * children but not assign actions, so this is how "no entry action" is shown.
 */
function restoreWithSpies(snapshot: unknown) {
  const names = Object.keys(ussdDialogMachine.implementations.actions);
  const spies = Object.fromEntries(names.map((name) => [name, vi.fn()]));
  const effects = createQueuedEffects({ verifyCode: [{ outcome: 'invalid', attemptsLeft: 4 }] });
  const machine = ussdDialogMachine.provide({ actions: spies as never, actors: effects.actors as never });
  const actor = createActor(machine, { snapshot: snapshot as never, input: INPUT }).start();
  const called = () => names.filter((name) => spies[name]!.mock.calls.length > 0);
  return { actor, effects, called };
}

describe('USSD dialog snapshot round trip', () => {
  it('restores at enter-code without re-running entry actions or effects, then continues', async () => {
    const first = startDialog({ startReset: [SENT] });
    await first.type('1');
    expect(first.screen().id).toBe('enter_code');
    expect(first.effects.count('startReset')).toBe(1);
    const stored = persist(first.actor);
    first.actor.stop();

    const second = restore(stored, { verifyCode: [{ outcome: 'ok' }] });
    // Restoring fires nothing: no action (startFlow, clearError...), no child actor, no effect.
    expect(second.onStart.filter((e) => e.type === '@xstate.action')).toEqual([]);
    expect(second.onStart.filter((e) => e.type === '@xstate.actor')).toHaveLength(1); // the dialog itself
    expect(second.effects.calls).toEqual([]);
    expect(describeScreen(second.actor.getSnapshot()).id).toBe('enter_code');
    expect(second.actor.getSnapshot().context.requestId).toBe('req-7');

    expect((await second.hop({ type: 'INPUT', text: '123456' })).id).toBe('new_ussd_pin');
    expect(second.effects.calls).toEqual([{ name: 'verifyCode', input: { requestId: 'req-7', code: '123456' } }]);
  });

  it('runs no named action on restore, and does run them on the next hop (control)', async () => {
    const first = startDialog({ startReset: [SENT] });
    await first.type('1');
    const spied = restoreWithSpies(persist(first.actor));
    expect(spied.called()).toEqual([]);
    expect(spied.effects.calls).toEqual([]);
    spied.actor.send({ type: 'INPUT', text: '123456' });
    await waitFor(spied.actor, (s) => !s.hasTag('busy'));
    expect(spied.called()).toEqual(expect.arrayContaining(['clearError', 'rememberAttempts', 'setError']));
    expect(spied.effects.count('verifyCode')).toBe(1);
  });

  it('keeps the history through JSON so resume 1 returns to the confirmation', async () => {
    const first = startDialog({
      startReset: [SENT],
      verifyCode: [{ outcome: 'ok' }],
      checkNewSecret: [{ ok: true, digest: 'dg' }],
    });
    await first.type('1', '123456', '4821');
    expect(first.screen().id).toBe('confirm_ussd_pin');
    await first.send({ type: 'DIAL' }); // the telco cut the session; a new one reached the dialog
    expect(first.screen().id).toBe('resume');
    const stored = persist(first.actor);
    first.actor.stop();

    const second = restore(stored, { completeReset: [{ outcome: 'done' }] });
    expect(second.onStart.filter((e) => e.type === '@xstate.action')).toEqual([]);
    expect((await second.hop({ type: 'INPUT', text: '1' })).id).toBe('confirm_ussd_pin');
    const end = await second.hop({ type: 'INPUT', text: '4821' });
    expect(end).toMatchObject({ id: 'done_ussd_pin', end: true });
    expect(second.actor.getSnapshot().status).toBe('done');
    expect(second.effects.calls).toEqual([
      { name: 'completeReset', input: { requestId: 'req-7', kind: 'ussd_pin', secret: '4821', digest: 'dg' } },
    ]);
  });

  it('survives one restore per hop from the first screen to done', async () => {
    const outputs = {
      startReset: [SENT],
      verifyCode: [{ outcome: 'ok' }],
      checkNewSecret: [{ ok: true, digest: 'dg' }],
      completeReset: [{ outcome: 'done' }],
    };
    let stored = persist(createActor(ussdDialogMachine, { input: { ...INPUT, lang: null } }).start());
    const screens: string[] = [];
    for (const text of ['2', '2', '123456', 'long-password-1', 'long-password-1']) {
      const hop = restore(stored, outputs); // the queues are shared: each effect answers once
      screens.push((await hop.hop({ type: 'INPUT', text })).id);
      stored = persist(hop.actor);
      hop.actor.stop();
      // Only the digest reaches storage, never the code or the password.
      expect(JSON.stringify(stored)).not.toMatch(/123456|long-password-1/);
    }
    expect(screens).toEqual(['menu', 'enter_code', 'new_password', 'confirm_password', 'done_password']);
    expect(stored.status).toBe('done');
  });

  // Runtime rule, pinned here: persist only after waitFor(!busy). A busy snapshot
  // holds the effect's input (a code, a PIN) and restoring it runs the effect again.
  it('shows why a busy snapshot must never be stored', async () => {
    let starts = 0;
    const hangingVerify = ussdDialogMachine.provide({
      actors: {
        verifyCode: fromPromise(
          () =>
            new Promise<never>(() => {
              starts += 1;
            }),
        ),
      } as never,
    });
    const first = startDialog({ startReset: [SENT] });
    await first.type('1');
    const busy = createActor(hangingVerify, { snapshot: persist(first.actor), input: INPUT }).start();
    busy.send({ type: 'INPUT', text: '123456' });
    expect(busy.getSnapshot().hasTag('busy')).toBe(true);
    const stored = persist(busy);
    expect(JSON.stringify(stored)).toContain('123456');
    createActor(hangingVerify, { snapshot: stored, input: INPUT }).start();
    await Promise.resolve();
    expect(starts).toBe(2);
  });
});
