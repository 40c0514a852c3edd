import { MAX_KNOWLEDGE_FAILURES, MAX_MISMATCHES } from './types.js';
import type { DialogContext, Screen, ScreenId, ScreenKey, ScreenMeta, VariantScreen } from './types.js';

/** The parts of a dialog snapshot describeScreen reads (any machine snapshot fits). */
export interface DialogSnapshotLike {
  status: string;
  context: DialogContext;
  getMeta(): Record<string, unknown>;
}

/** Screens whose text depends on the flow kind, the knowledge question or the refusal. */
const VARIANTS: Record<VariantScreen, (context: DialogContext) => ScreenId> = {
  knowledge: (c) => `knowledge_${c.knowledgeCheck ?? 'birth_year'}`,
  // A kind is chosen before any of these screens; a snapshot without one is not reachable.
  new_secret: (c) => `new_${c.kind ?? 'ussd_pin'}`,
  confirm_secret: (c) => `confirm_${c.kind ?? 'ussd_pin'}`,
  done: (c) => `done_${c.kind ?? 'ussd_pin'}`,
  refused: (c) => `refused_${c.refusal ?? 'no_account'}`,
};

const isVariant = (key: ScreenKey): key is VariantScreen => key in VARIANTS;
const isScreenMeta = (meta: unknown): meta is ScreenMeta =>
  typeof meta === 'object' && meta !== null && typeof (meta as ScreenMeta).screen === 'string';

/**
 * The screen the current state shows, with the values its text needs.
 * Pure: reads only the state's meta and the context.
 */
export function describeScreen(snapshot: DialogSnapshotLike): Screen {
  const meta = Object.values(snapshot.getMeta()).filter(isScreenMeta).at(-1);
  // Every stable state has a screen (tested); a user must still never get silence.
  if (!meta) return { id: 'unavailable', params: {}, end: true };
  const { context } = snapshot;
  const id = isVariant(meta.screen) ? VARIANTS[meta.screen](context) : meta.screen;
  const params: Record<string, string | number> = {
    page: context.page,
    mismatchesLeft: Math.max(0, MAX_MISMATCHES - context.mismatches),
    answersLeft: Math.max(0, MAX_KNOWLEDGE_FAILURES - context.knowledgeFailures),
  };
  if (context.error !== null) params.error = context.error;
  if (context.attemptsLeft !== null) params.attemptsLeft = context.attemptsLeft;
  if (context.retryAfterSeconds !== null) params.retryAfterSeconds = context.retryAfterSeconds;
  return { id, params, end: snapshot.status === 'done' || meta.end === true };
}
