/**
 * Why a new PIN or password was refused. One definition, in machines/types.ts
 * (the dialog screens are keyed on it); the security helpers and the API use
 * the same values, which are stable: screens and API answers depend on them.
 */
export type { SecretRejection } from '../../machines/types.js';
