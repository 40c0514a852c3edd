import { createResetFlow } from './reset-flow.js';

/**
 * Password reset flow over USSD, mounted by the root dialog (`ussd-dialog.machine.ts`).
 * Same steps as the PIN flow; `kind` picks the password screens and the
 * "at least 8 characters" hint. (HTTP and SMS password resets use the service directly.)
 */
export const passwordResetFlow = createResetFlow('password');
