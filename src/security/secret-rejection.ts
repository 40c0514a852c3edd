/**
 * Why a new PIN or password was refused. Mirrors `SecretRejection` in
 * machines/types.ts (declared here too so the security helpers do not wait on
 * the machines; unify once both exist). Values are stable: screens and API
 * answers are keyed on them.
 */
export type SecretRejection = 'format' | 'length' | 'sequence' | 'repeated' | 'common' | 'reused' | 'weak';
