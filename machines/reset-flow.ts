import { and, assign, fromPromise, setup } from 'xstate';
import { DIALOG_KINDS } from './reset-kinds.js';
import {
  LANGS,
  MAX_KNOWLEDGE_FAILURES,
  MAX_MISMATCHES,
  MAX_PAGE,
  type CancelResetInput,
  type CancelResetOutput,
  type CheckKnowledgeInput,
  type CheckKnowledgeOutput,
  type CheckNewSecretInput,
  type CheckNewSecretOutput,
  type CompleteResetInput,
  type CompleteResetOutput,
  type DialogContext,
  type DialogError,
  type DialogInput,
  type DialogMachineEvent,
  type ResetKind,
  type RefusalReason,
  type ResendCodeInput,
  type ResendCodeOutput,
  type ScreenMeta,
  type SecretRejection,
  type StartResetInput,
  type StartResetOutput,
  type VerifyCodeInput,
  type VerifyCodeOutput,
} from './types.js';

/** Root machine id: flow fragments target the shared END states as `#ussdDialog.<state>`. */
export const DIALOG_ID = 'ussdDialog';

/** Placeholder effect: the runtime replaces it with machine.provide({ actors }). */
const providedByRuntime = <TOutput, TInput>() =>
  fromPromise<TOutput, TInput>(async () => {
    throw new Error('provided by the runtime');
  });

/** The typed text of an INPUT, or '' (also the secret: it goes to effects, never to context). */
export const textOf = (event: DialogMachineEvent) => (event.type === 'INPUT' ? event.text : '');
/** A code comes from the USSD screen or from an SMS reply, and is verified the same way. */
export const codeOf = (event: DialogMachineEvent) => (event.type === 'SMS_CODE' ? event.code : textOf(event));
const choice =
  (option: string) =>
  ({ event }: { event: DialogMachineEvent }) =>
    textOf(event) === option;
// setup() types guards with the dialog events only; done events carry the actor output.
const outputOf = <T>(event: { type: string }) => (event as unknown as { output: T }).output;

/** Shared vocabulary of the dialog: effects, guards and actions, all by name. */
export const dialogSetup = setup({
  types: {
    context: {} as DialogContext,
    events: {} as DialogMachineEvent,
    input: {} as DialogInput,
    tags: {} as 'busy',
    meta: {} as ScreenMeta,
  },
  actors: {
    startReset: providedByRuntime<StartResetOutput, StartResetInput>(),
    checkKnowledge: providedByRuntime<CheckKnowledgeOutput, CheckKnowledgeInput>(),
    verifyCode: providedByRuntime<VerifyCodeOutput, VerifyCodeInput>(),
    resendCode: providedByRuntime<ResendCodeOutput, ResendCodeInput>(),
    checkNewSecret: providedByRuntime<CheckNewSecretOutput, CheckNewSecretInput>(),
    completeReset: providedByRuntime<CompleteResetOutput, CompleteResetInput>(),
    cancelReset: providedByRuntime<CancelResetOutput, CancelResetInput>(),
  },
  guards: {
    languageUnknown: ({ context }) => context.lang === null,
    needsKnowledgeCheck: ({ context }) => context.knowledgeCheck !== null,
    hasRequest: ({ context }) => context.requestId !== null,
    choseNextPage: choice('98'),
    choseMainMenu: choice('00'),
    choseBack: choice('0'),
    choseKind: ({ event }, params: { kind: ResetKind }) => textOf(event) === DIALOG_KINDS[params.kind].menuChoice,
    choseResend: choice('1'),
    choseContinue: choice('1'),
    choseStartOver: choice('2'),
    choseLanguage: ({ event }) => /^[1-9]$/.test(textOf(event)) && Number(textOf(event)) <= LANGS.length,
    isBlank: ({ event }) => textOf(event) === '',
    isSixDigits: ({ event }) => /^\d{6}$/.test(codeOf(event)),
    isKnowledgeAnswer: ({ event }) => /^\d{4}$/.test(textOf(event)),
    outcomeIs: ({ event }, params: { outcome: string }) =>
      outputOf<{ outcome?: string }>(event).outcome === params.outcome,
    answerAccepted: ({ event }) => outputOf<CheckKnowledgeOutput>(event).ok,
    secretAccepted: ({ event }) => outputOf<CheckNewSecretOutput>(event).ok,
    secretsSpent: ({ event }) => 'spent' in outputOf<CheckNewSecretOutput>(event),
    attemptsRemaining: ({ event }) => {
      const out = outputOf<VerifyCodeOutput>(event);
      return out.outcome === 'invalid' && out.attemptsLeft > 0;
    },
    knowledgeTriesRemaining: ({ context }) => context.knowledgeFailures + 1 < MAX_KNOWLEDGE_FAILURES,
    mismatchesRemaining: ({ context }) => context.mismatches + 1 < MAX_MISMATCHES,
  },
  actions: {
    // Every screen change goes through clearError or setError, so `page` never leaks.
    clearError: assign({ error: null, page: 0 }),
    setError: assign((_, params: { error: DialogError }) => ({ error: params.error, page: 0 })),
    nextPage: assign({ page: ({ context }) => Math.min(context.page + 1, MAX_PAGE) }),
    setLanguage: assign({ lang: ({ event }) => LANGS[Number(textOf(event)) - 1] ?? null }),
    // knowledgeFailures survives a new flow on purpose: going back to the menu must not buy guesses.
    startFlow: assign((_, params: { kind: ResetKind }) => ({
      kind: params.kind,
      requestId: null,
      attemptsLeft: null,
      retryAfterSeconds: null,
      mismatches: 0,
      secretDigest: null,
      refusal: null,
      error: null,
      page: 0,
    })),
    forgetRequest: assign({ requestId: null, attemptsLeft: null, secretDigest: null, error: null, page: 0 }),
    forgetDigest: assign({ secretDigest: null }),
    countKnowledgeFailure: assign({ knowledgeFailures: ({ context }) => context.knowledgeFailures + 1 }),
    countMismatch: assign({ mismatches: ({ context }) => context.mismatches + 1 }),
    // Each is used only on the branch whose output carries the field.
    rememberAttempts: assign({
      attemptsLeft: ({ event }) => outputOf<{ attemptsLeft?: number }>(event).attemptsLeft ?? null,
    }),
    rememberWait: assign({
      retryAfterSeconds: ({ event }) => outputOf<{ retryAfterSeconds?: number }>(event).retryAfterSeconds ?? null,
    }),
    rememberRequest: assign({ requestId: ({ event }) => outputOf<{ requestId?: string }>(event).requestId ?? null }),
    rememberRefusal: assign({ refusal: ({ event }) => outputOf<{ reason?: RefusalReason }>(event).reason ?? null }),
    rememberDigest: assign({ secretDigest: ({ event }) => outputOf<{ digest?: string }>(event).digest ?? null }),
    // Both checkNewSecret and completeReset may reject the secret with a reason.
    rejectSecret: assign(({ event }) => {
      const reason = outputOf<{ reason?: SecretRejection }>(event).reason ?? 'weak';
      return { error: `secret_${reason}` as const, page: 0, secretDigest: null };
    }),
  },
});

export const reask = (error: DialogError) => ({ type: 'setError', params: { error } }) as const;
export const outcome = (value: string) => ({ type: 'outcomeIs', params: { outcome: value } }) as const;
export const end = (state: string) => `#${DIALOG_ID}.${state}`;
/** Unreachable fallback: guards only enter request-bound states when requestId is set. */
export const requestIdOf = (context: DialogContext) => context.requestId ?? '';

/** Busy states run one effect and accept no dialog event until it settles. */
export const BUSY = {
  tags: 'busy',
  // If the hop deadline passes first, the runtime ends the session; the next DIAL resumes.
  meta: { screen: 'wait', end: true },
  entry: 'clearError',
  on: { DIAL: {}, NOT_ME: {} },
} as const;

/** `98` pages the current screen; `00` goes to the main menu, cancelling a live request first. */
export const PAGE_NAV = [{ guard: 'choseNextPage', actions: 'nextPage' }] as const;
export const NAV = [
  ...PAGE_NAV,
  { guard: and(['choseMainMenu', 'hasRequest']), target: end('abandoning') },
  { guard: 'choseMainMenu', target: end('menu'), actions: 'clearError' },
] as const;

/**
 * One reset flow (PIN or password): the same steps, `kind` only changes texts.
 * `steps` keeps a history so that resume → 1 returns exactly where the user was.
 */
export const createResetFlow = (kind: ResetKind) =>
  dialogSetup.createStateConfig({
    entry: { type: 'startFlow', params: { kind } },
    initial: 'steps',
    states: {
      steps: {
        initial: 'start',
        on: {
          DIAL: [
            { guard: 'hasRequest', target: 'resume', actions: 'clearError' },
            { target: end('menu'), actions: 'clearError' },
          ],
        },
        states: {
          hist: { type: 'history' },
          start: { always: [{ guard: 'needsKnowledgeCheck', target: 'askKnowledge' }, { target: 'sending' }] },
          askKnowledge: {
            meta: { screen: 'knowledge' },
            on: {
              INPUT: [
                ...NAV,
                { guard: 'choseBack', target: end('menu'), actions: 'clearError' },
                { guard: 'isKnowledgeAnswer', target: 'checkingKnowledge' },
                { actions: reask('answer_format') },
              ],
            },
          },
          checkingKnowledge: {
            ...BUSY,
            invoke: {
              id: 'checkKnowledge',
              src: 'checkKnowledge',
              input: ({ context, event }) => ({
                phone: context.phone,
                question: context.knowledgeCheck ?? 'birth_year',
                answer: textOf(event),
              }),
              onDone: [
                { guard: 'answerAccepted', target: 'sending' },
                {
                  guard: 'knowledgeTriesRemaining',
                  target: 'askKnowledge',
                  actions: ['countKnowledgeFailure', reask('answer_wrong')],
                },
                { target: end('too_many_answers'), actions: 'countKnowledgeFailure' },
              ],
              onError: end('unavailable'),
            },
          },
          sending: {
            ...BUSY,
            invoke: {
              id: 'startReset',
              src: 'startReset',
              input: ({ context }) => ({ phone: context.phone, kind, lang: context.lang ?? LANGS[0] }),
              onDone: [
                { guard: outcome('sent'), target: 'enterCode', actions: 'rememberRequest' },
                { guard: outcome('rate_limited'), target: end('rate_limited'), actions: 'rememberWait' },
                // A new dial during the cool-off shows the lock screen again, with the time left.
                { guard: outcome('blocked'), target: end('locked'), actions: 'rememberWait' },
                { target: end('refused'), actions: 'rememberRefusal' },
              ],
              onError: end('unavailable'),
            },
          },
          enterCode: {
            meta: { screen: 'enter_code' },
            on: {
              INPUT: [
                ...NAV,
                { guard: 'choseBack', target: end('abandoning') },
                { guard: 'choseResend', target: 'resendingCode' },
                { guard: 'isSixDigits', target: 'verifyingCode' },
                { actions: reask('code_format') },
              ],
              SMS_CODE: [{ guard: 'isSixDigits', target: 'verifyingCode' }, { actions: reask('code_format') }],
            },
          },
          verifyingCode: {
            ...BUSY,
            invoke: {
              id: 'verifyCode',
              src: 'verifyCode',
              input: ({ context, event }) => ({ requestId: requestIdOf(context), code: codeOf(event) }),
              onDone: [
                { guard: outcome('ok'), target: 'newSecret' },
                { guard: 'attemptsRemaining', target: 'enterCode', actions: ['rememberAttempts', reask('code_wrong')] },
                { guard: outcome('expired'), target: end('expired') },
                // 'locked' (with the wait), or 'invalid' with no attempt left (the service never answers it).
                { target: end('locked'), actions: 'rememberWait' },
              ],
              onError: end('unavailable'),
            },
          },
          resendingCode: {
            ...BUSY,
            invoke: {
              id: 'resendCode',
              src: 'resendCode',
              input: ({ context }) => ({ requestId: requestIdOf(context) }),
              onDone: [
                { guard: outcome('sent'), target: 'enterCode', actions: reask('code_resent') },
                { guard: outcome('cooldown'), target: 'enterCode', actions: ['rememberWait', reask('resend_wait')] },
                { guard: outcome('limit'), target: 'enterCode', actions: reask('resend_limit') },
                { target: end('expired') },
              ],
              onError: end('unavailable'),
            },
          },
          newSecret: {
            meta: { screen: 'new_secret' },
            on: { INPUT: [...NAV, { guard: 'isBlank', actions: reask('empty') }, { target: 'checkingSecret' }] },
          },
          checkingSecret: {
            ...BUSY,
            invoke: {
              id: 'checkNewSecret',
              src: 'checkNewSecret',
              input: ({ context, event }) => ({ requestId: requestIdOf(context), kind, secret: textOf(event) }),
              onDone: [
                { guard: 'secretAccepted', target: 'confirmSecret', actions: 'rememberDigest' },
                { guard: 'secretsSpent', target: end('too_many_secrets') },
                { target: 'newSecret', actions: 'rejectSecret' },
              ],
              onError: end('unavailable'),
            },
          },
          confirmSecret: {
            meta: { screen: 'confirm_secret' },
            on: {
              INPUT: [
                ...NAV,
                { guard: 'choseBack', target: 'newSecret', actions: ['forgetDigest', 'clearError'] },
                { guard: 'isBlank', actions: reask('empty') },
                { target: 'completing' },
              ],
            },
          },
          completing: {
            ...BUSY,
            invoke: {
              id: 'completeReset',
              src: 'completeReset',
              input: ({ context, event }) => ({
                requestId: requestIdOf(context),
                kind,
                secret: textOf(event),
                digest: context.secretDigest ?? '',
              }),
              onDone: [
                { guard: outcome('done'), target: end('done') },
                {
                  guard: and([outcome('mismatch'), 'mismatchesRemaining']),
                  target: 'confirmSecret',
                  actions: ['countMismatch', reask('mismatch')],
                },
                // The last mismatch closes the verified request before saying goodbye.
                { guard: outcome('mismatch'), target: end('closing'), actions: 'countMismatch' },
                { guard: outcome('rejected'), target: 'newSecret', actions: 'rejectSecret' },
                { target: end('expired') },
              ],
              onError: end('unavailable'),
            },
          },
        },
      },
      resume: {
        meta: { screen: 'resume' },
        on: {
          DIAL: { actions: 'clearError' },
          INPUT: [
            ...PAGE_NAV,
            { guard: 'choseContinue', target: 'steps.hist', actions: 'clearError' },
            { guard: 'choseStartOver', target: end('abandoning') },
            { guard: 'choseMainMenu', target: end('abandoning') },
            { actions: reask('invalid_choice') },
          ],
        },
      },
    },
  });
