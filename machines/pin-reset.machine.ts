import { createResetFlow } from './reset-flow.js';

/**
 * USSD PIN reset flow, mounted by the root dialog (`ussd-dialog.machine.ts`).
 * It shares every step with the password flow; only `kind` differs, which picks
 * the PIN screens (new_ussd_pin, confirm_ussd_pin, done_ussd_pin) and the 4-6 digit hint.
 */
export const pinResetFlow = createResetFlow('ussd_pin');
