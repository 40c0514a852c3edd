/**
 * Runs one hop of a USSD dialog (or one SMS reply) against the dialog's
 * machine: retried hops are answered from their stored reply; hops of one
 * phone are serialized by a lock, so exactly one transition happens and its
 * effects run once, across processes; the answer leaves within the telco's
 * deadline even when an effect is slow. A phone has at most one dialog per
 * provider: a hop never continues a dialog another provider opened.
 */
import { createActor, waitFor, type AnyActorRef, type Snapshot, type SnapshotFrom } from 'xstate';
import { DeadlineExceeded, withDeadline } from '../../gateways/deadline.js';
import { boundedMemo } from '../bounded-memo.js';
import type { DialogEvent, PreviousPath, ScreenReply } from '../../machines/dialog-event.js';
import { describeScreen } from '../../machines/screen.js';
import type { DialogInput, DialogMachineEvent, Lang } from '../../machines/types.js';
import { ussdDialogMachine } from '../../machines/ussd-dialog.machine.js';
import { renderUssdScreen } from '../i18n/render-ussd-screen.js';
import { maskPhone, type Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { DialogEffects } from './dialog-effects.js';
import type { DialogProfiles } from './dialog-profile.js';
import { createFirstScreens, freshDialogsOf, freshInput } from './first-screen.js';
import type { DialogEntry, DialogRecord, DialogStore, Hop, Subscriber } from './dialog-store.js';
import { languageOfPhone, politeEnd } from './polite-end.js';

export interface DialogRuntimeDeps {
  store: DialogStore;
  effects: DialogEffects;
  profiles: DialogProfiles;
  metrics: Metrics;
  logger: Logger;
  hopDeadlineMs: number;
}

/** How a gateway reads the latest input when it only sends the whole path (Africa's Talking). */
export type DeriveInput = (hopId: string, previous: PreviousPath | null) => string;

type DialogSnapshot = SnapshotFrom<typeof ussdDialogMachine>;

const isLive = (entry: DialogEntry | undefined): entry is DialogEntry =>
  (entry?.snapshot as { status?: string } | undefined)?.status === 'active';
const liveDialog = (record: DialogRecord | null, provider: string) => {
  const entry = record?.dialogs[provider];
  return isLive(entry) ? entry : null;
};
const requestIdOf = (entry: DialogEntry) => (entry.snapshot as DialogSnapshot).context?.requestId ?? null;

/** The live dialog an SMS reply reaches: the latest one with a reset under way, else the latest one. */
function smsTarget(record: DialogRecord | null): string | null {
  const live = Object.entries(record?.dialogs ?? {})
    .filter(([, e]) => isLive(e))
    .sort(([, a], [, b]) => Number(requestIdOf(b) !== null) - Number(requestIdOf(a) !== null) || b.savedAt - a.savedAt);
  return live[0]?.[0] ?? null;
}

/** What dispatch answers when no dialog was there to reach (an SMS reply with nothing live). */
const NOTHING_LIVE: ScreenReply & { screenId: string } = { text: '', end: true, screenId: 'none' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Time kept for rendering and saving after the machine settles.
const SAVE_MARGIN_MS = 300;

export function createDialogRuntime(deps: DialogRuntimeDeps) {
  const { store, metrics, logger } = deps;
  const machine = ussdDialogMachine.provide({ actors: deps.effects });
  // The lock outlives the deadline: a late effect still finishes and saves under it.
  const lockTtlMs = deps.hopDeadlineMs * 3;

  /** A new dialog's input: the cached language when it is enough, else the profile in Postgres (then cached). */
  async function newDialogInput(phone: string, cachedLang: Lang | null | undefined, withinMs: number) {
    const cached = cachedLang === undefined ? null : deps.profiles.cachedInputFor(phone, cachedLang);
    if (cached) return { input: cached, lookedUpLang: undefined };
    // Past the deadline the hop answers "slow" or "unavailable"; the lookup is left to finish on its own.
    const input = await withDeadline(withinMs, () => deps.profiles.dialogInputFor(phone), 'hop deadline passed');
    return { input, lookedUpLang: input.lang };
  }

  /** Restores (or creates) the dialog, sends one event, waits until no effect is running. */
  async function advance(
    input: DialogInput,
    event: DialogMachineEvent | null,
    snapshot: unknown,
    settleWithinMs: number,
  ) {
    // A restored actor takes its context from the snapshot; input only seeds a new dialog.
    const actor = createActor(machine, { input, ...(snapshot ? { snapshot: snapshot as Snapshot<unknown> } : {}) });
    actor.start();
    if (event) actor.send(event);
    // Most hops settle within send (a menu, an invalid choice, a resume): no wait, so no timers,
    // abort signal or subscription per hop. Only a hop running an effect races the deadline.
    if (!actor.getSnapshot().hasTag('busy')) return { actor, settled: Promise.resolve(), inTime: true };
    const settled = waitFor(actor as AnyActorRef, (s) => !s.hasTag('busy'), { timeout: lockTtlMs });
    // Not settled in time is an answer (the hop says "slow" and saves later), not an error.
    const inTime = await withDeadline(settleWithinMs, () => settled.then(() => true)).catch((err: unknown) =>
      err instanceof DeadlineExceeded ? false : Promise.reject(err),
    );
    return { actor, settled, inTime };
  }

  function render(snapshot: DialogSnapshot): ScreenReply & { screenId: string; lang: Lang } {
    const screen = describeScreen(snapshot);
    const lang: Lang = snapshot.context.lang ?? 'fr';
    return { text: renderUssdScreen(screen, lang), end: screen.end, screenId: screen.id, lang };
  }

  /** What a hop saves and answers: its screen, the dialog's persisted snapshot, whether it is still live. */
  type Outcome = { reply: ReturnType<typeof render>; persisted: unknown; active: boolean };
  // Issue 12 step 4: a first dial (no event on a new dialog) gets its screen without an actor,
  // and the store names these fixed first screens instead of sealing them (step 5: a dial in one round trip).
  const firstScreen = createFirstScreens(machine, render);
  const fresh = freshDialogsOf(machine, render, firstScreen);
  // The callers this process dialled lately: only their dials ask BEGIN to make the dialog itself, since
  // only they are likely to have a cached language. For a caller never seen the ask is wasted work (the
  // language refs' HMAC, a larger script: more than the round trip it could save). A wrong guess costs
  // that work or one round trip, never correctness: the script checks everything again.
  const recentCallers = boundedMemo(() => true, 20_000);

  interface Dispatch {
    who: Subscriber;
    /** Whose dialog the event goes to, given the phone's dialogs; null when there is none to reach. */
    provider: (record: DialogRecord | null) => string | null;
    /** The event for the dialog found live (or null), given what the session kept of its previous path. */
    event: (live: DialogEntry | null, previous: PreviousPath | null) => DialogMachineEvent | null;
    hop?: Hop;
    /** A dial that BEGIN may answer itself when the phone is quiet and its language cached (one round trip). */
    createIfQuiet?: boolean;
    startedAt: number;
  }

  /** One hop in two round trips when nothing contends: BEGIN (reply? lock, dialogs) and COMMIT. */
  async function dispatch(d: Dispatch): Promise<ScreenReply & { screenId: string }> {
    const deadline = d.startedAt + deps.hopDeadlineMs - SAVE_MARGIN_MS;
    const phone = d.who.phone;
    for (;;) {
      if (Date.now() >= deadline) return politeEnd('busy', languageOfPhone(phone));
      const begun = await store.begin(d.who, d.hop, { lockTtlMs, fresh, create: d.createIfQuiet });
      // A retry, or a duplicate that got here after the original finished: answer, don't replay.
      if (begun.replayed) return { ...begun.replayed, screenId: 'replayed' };
      if (begun.created !== undefined) return firstScreen(freshInput(phone, begun.created))!.reply;
      if (begun.sessionEndedIn) {
        // The provider session got its END: a late hop on it must not open a new dialog.
        if (begun.token) await store.unlock(d.who, begun.token).catch(() => false);
        return politeEnd('closed', begun.sessionEndedIn);
      }
      // A concurrent copy holds the lock: wait for its reply, or for the lock to free.
      if (!begun.token) {
        await sleep(20);
        continue;
      }
      const { token, raw, record } = begun;
      let released = false;
      try {
        const provider = d.provider(record);
        if (!provider) return NOTHING_LIVE;
        const live = liveDialog(record, provider);
        const event = d.event(live, begun.previous);
        const { input, lookedUpLang } = live
          ? { input: { phone, lang: null, knowledgeCheck: null }, lookedUpLang: undefined }
          : await newDialogInput(phone, begun.cachedLang(), deadline - Date.now());
        const first = !live && !event ? firstScreen(input) : null;
        const save = async ({ reply, persisted, active }: Outcome) => {
          const others = Object.entries(record?.dialogs ?? {}).filter(([p, e]) => p !== provider && isLive(e));
          const saved = await store.commit({
            who: d.who,
            previousRaw: raw,
            lockToken: token,
            hop: d.hop,
            reply: { text: reply.text, end: reply.end, lang: reply.lang },
            lookedUpLang,
            fresh:
              first && others.length === 0 && fresh.langs.includes(input.lang) && input.knowledgeCheck === null
                ? { dialogs: fresh, lang: input.lang }
                : undefined,
            anyLive: active || others.length > 0,
            record: {
              version: (record?.version ?? 0) + 1,
              dialogs: { ...Object.fromEntries(others), [provider]: { snapshot: persisted, savedAt: Date.now() } },
            },
          });
          if (!saved) throw new Error('dialog changed under its lock');
          released = true;
          return reply;
        };
        if (first) return await save(first);
        const { actor, settled, inTime } = await advance(input, event, live?.snapshot ?? null, deadline - Date.now());
        const outcome = () => {
          const snapshot = actor.getSnapshot() as DialogSnapshot;
          const result: Outcome = {
            reply: render(snapshot),
            persisted: actor.getPersistedSnapshot(),
            active: snapshot.status === 'active',
          };
          actor.stop();
          return result;
        };
        if (inTime) return await save(outcome());
        // Too slow for the telco: answer now, finish and save in the background (the save unlocks).
        released = true;
        void settled
          .then(
            () => save(outcome()),
            () => actor.stop(),
          )
          .catch((err) =>
            logger.error({ err: (err as Error).message, phone: maskPhone(phone) }, 'late dialog save failed'),
          )
          .finally(() => store.unlock(d.who, token));
        return politeEnd(
          'slow',
          (live?.snapshot as DialogSnapshot | undefined)?.context.lang ?? languageOfPhone(phone),
        );
      } finally {
        // A saved hop released the lock with its commit, a late save does it itself; any other path does it here.
        if (!released) await store.unlock(d.who, token).catch(() => false);
      }
    }
  }

  return {
    /**
     * One USSD hop from any gateway. It reaches only the dialog its provider opened:
     * a dial through another provider starts a fresh one. `deriveInput` recovers the
     * latest input from a cumulative path.
     */
    async hop(phone: string, event: DialogEvent, deriveInput?: DeriveInput): Promise<ScreenReply> {
      const who = store.subscriber(phone);
      const seenRecently = recentCallers.has(phone);
      if (!seenRecently) recentCallers.remember(phone, true);
      const reply = await dispatch({
        who,
        startedAt: Date.now(),
        hop: store.hop(who, event.provider, event.providerSessionId, event.hopId),
        // Only when the cached language alone decides a new dialog (no knowledge question to look up).
        createIfQuiet: seenRecently && event.newSession && deps.profiles.cachedInputFor(phone, null) !== null,
        provider: () => event.provider,
        // A new session on a live dialog is a DIAL (resume or menu); a new dialog starts fresh.
        event: (live, previous) => {
          if (event.newSession || previous === null) return live ? { type: 'DIAL' } : null;
          const input = deriveInput ? deriveInput(event.hopId, previous) : (event.input ?? '');
          return { type: 'INPUT', text: input.trim() };
        },
      });
      metrics.ussdHops.inc({ provider: event.provider, screen: reply.screenId });
      return { text: reply.text, end: reply.end };
    },

    /** The phone's dialogs as a hop reads them (references opened), without the lock: for tests and diagnosis. */
    dialogsOf: async (phone: string) => (await store.loadDialog(store.subscriber(phone), fresh)).record,

    /** An SMS reply (a code, or "not me") routed to the phone's live dialog, whichever provider opened it. */
    async sms(phone: string, event: DialogMachineEvent): Promise<{ handled: boolean; screenId: string }> {
      const who = store.subscriber(phone);
      const { record } = await store.loadDialog(who, fresh);
      if (!smsTarget(record)) return { handled: false, screenId: NOTHING_LIVE.screenId };
      const reply = await dispatch({
        who,
        startedAt: Date.now(),
        provider: smsTarget,
        event: (live) => (live ? event : null),
      });
      return { handled: reply !== NOTHING_LIVE, screenId: reply.screenId };
    },
  };
}

export type DialogRuntime = ReturnType<typeof createDialogRuntime>;
