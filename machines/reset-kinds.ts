import type { ResetKind } from './types.js';

/**
 * What the USSD dialog needs per reset kind: the menu choice that opens its
 * flow and the flow's state name. State names are stored in persisted
 * snapshots (Redis), so they stay as they were when the dialog was written
 * with one file per flow: renaming one would break dialogs live during a deploy.
 * The service side of each kind (policy, column, event...) is src/reset-kinds.ts.
 */
export const DIALOG_KINDS: Record<ResetKind, { menuChoice: string; state: string }> = {
  ussd_pin: { menuChoice: '1', state: 'pinReset' },
  password: { menuChoice: '2', state: 'passwordReset' },
};
