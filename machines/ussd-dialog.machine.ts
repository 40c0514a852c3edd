import { DIALOG_KINDS } from './reset-kinds.js';
import { BUSY, DIALOG_ID, NAV, PAGE_NAV, createResetFlow, dialogSetup, reask, requestIdOf } from './reset-flow.js';
import { RESET_KINDS, type DialogContext, type DialogInput, type ScreenMeta } from './types.js';

/** Fresh context for a new dialog; counters start at zero. */
const initialContext = (input: DialogInput): DialogContext => ({
  phone: input.phone,
  lang: input.lang,
  knowledgeCheck: input.knowledgeCheck,
  kind: null,
  requestId: null,
  attemptsLeft: null,
  retryAfterSeconds: null,
  mismatches: 0,
  knowledgeFailures: 0,
  secretDigest: null,
  refusal: null,
  error: null,
  page: 0,
});

/** Cancel the live request, then show `target` (a sibling at the root). */
export const cancelThen = (target: string) =>
  dialogSetup.createStateConfig({
    ...BUSY,
    invoke: {
      id: 'cancelReset',
      src: 'cancelReset',
      input: ({ context }) => ({ requestId: requestIdOf(context) }),
      onDone: { target, actions: 'forgetRequest' },
      onError: 'unavailable',
    },
  });

/** END states sit at the root as finals, so a finished dialog has status 'done'. */
const final = (screen: ScreenMeta['screen']) => ({ type: 'final', meta: { screen } }) as const;

/**
 * The root USSD dialog: one live instance per phone. Language (when unknown)
 * → menu → one reset flow per kind (PIN, password) → an END state.
 */
export const ussdDialogMachine = dialogSetup.createMachine({
  id: DIALOG_ID,
  context: ({ input }) => initialContext(input),
  initial: 'start',
  // STOP by SMS ends the dialog; a live request is cancelled first. Busy states hold it off.
  on: {
    NOT_ME: [
      { guard: 'hasRequest', target: '.cancelling' },
      { target: '.cancelled', actions: 'clearError' },
    ],
  },
  states: {
    start: { always: [{ guard: 'languageUnknown', target: 'language' }, { target: 'menu' }] },
    language: {
      meta: { screen: 'language' },
      on: {
        DIAL: { actions: 'clearError' },
        INPUT: [
          ...PAGE_NAV,
          { guard: 'choseLanguage', target: 'menu', actions: ['setLanguage', 'clearError'] },
          { actions: reask('invalid_choice') },
        ],
      },
    },
    menu: {
      meta: { screen: 'menu' },
      on: {
        DIAL: { actions: 'clearError' },
        INPUT: [
          ...NAV,
          ...RESET_KINDS.map(
            (kind) => ({ guard: { type: 'choseKind', params: { kind } }, target: DIALOG_KINDS[kind].state }) as const,
          ),
          { actions: reask('invalid_choice') },
        ],
      },
    },
    // One flow per reset kind: the same steps, `kind` only changes the texts and the checks.
    ...Object.fromEntries(RESET_KINDS.map((kind) => [DIALOG_KINDS[kind].state, createResetFlow(kind)])),
    cancelling: cancelThen('cancelled'),
    abandoning: cancelThen('menu'),
    closing: cancelThen('too_many_mismatches'),
    done: final('done'),
    cancelled: final('cancelled'),
    expired: final('expired'),
    locked: final('locked'),
    too_many_answers: final('too_many_answers'),
    too_many_secrets: final('too_many_secrets'),
    unavailable: final('unavailable'),
    refused: final('refused'),
    rate_limited: final('rate_limited'),
    too_many_mismatches: final('too_many_mismatches'),
  },
});

export type UssdDialogMachine = typeof ussdDialogMachine;
