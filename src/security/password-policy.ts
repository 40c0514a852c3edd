import { ZxcvbnFactory, type MatchExtended } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import type { SecretRejection } from './secret-rejection.js';

export const PASSWORD_MIN_LENGTH = 8;
// An upper bound keeps zxcvbn and bcrypt pre-hashing cheap; NIST asks for ≥ 64.
export const PASSWORD_MAX_LENGTH = 128;
// zxcvbn 3 = "safely unguessable" (~10^8 guesses under a slow hash); 0–2 are refused.
const MIN_SCORE = 3;
// Site words people build passwords from (zxcvbn's advice); language-common has
// no French or Wolof dictionary, so the service's own names must be added here.
const SERVICE_WORDS = ['molam', 'molamid', 'molam id', 'molampay', 'brique', 'motdepasse', 'mot de passe'];

interface Checker {
  zxcvbn: ZxcvbnFactory;
  common: ReadonlySet<string>;
}

let checker: Checker | undefined;

// Built on first use, not at import: ranking the dictionaries and the set cost
// ~45 ms on top of ~30 ms to import the packages (> the 50 ms import budget),
// and most processes (workers, CLIs, USSD-only pods) never check a password.
function getChecker(): Checker {
  checker ??= {
    zxcvbn: new ZxcvbnFactory({
      dictionary: { ...dictionary },
      graphs: adjacencyGraphs,
      // Levenshtein matching costs 20–350 ms per check on the event loop and
      // mostly turns 'weak' into 'common'; the score already covers near misses.
      useLevenshteinDistance: false,
      // Bound the work per check (worst case 128 chars of l33t: ~140 ms → ~15 ms).
      // Only the first 64 characters are scored: truncation can only lower the score.
      maxLength: 64,
      l33tMaxSubstitutions: 20,
    }),
    common: new Set(dictionary['passwords-common'].map((word) => word.toLowerCase())),
  };
  return checker;
}

/** Loads the zxcvbn dictionaries now (e.g. at start), so the first real check is not the slow one. */
export function warmPasswordPolicy(): void {
  getChecker();
}

/**
 * Why `password` may not be chosen, or null when it may: 'length' (8–128
 * code points after NFC), 'common' (a known password, or one of the user's
 * own identifiers), 'weak' (zxcvbn score < 3). No composition rules (NIST).
 * `userInputs`: phone numbers, email addresses, names tied to the account.
 */
export function checkPasswordPolicy(password: string, userInputs: string[] = []): SecretRejection | null {
  const normalized = password.normalize('NFC');
  // Count code points, not UTF-16 units: an emoji is one character to the user.
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) return 'length';

  const { zxcvbn, common } = getChecker();
  const inputs = expandUserInputs([...userInputs, ...SERVICE_WORDS]);
  if (common.has(normalized.toLowerCase())) return 'common';
  if (inputs.some((input) => fold(input) === fold(normalized))) return 'common';

  const result = zxcvbn.check(normalized, inputs);
  // One dictionary word covering everything ("P@ssw0rd", "drowssap", a l33t email) is a known password.
  if (isSingleKnownWord(result.sequence, normalized)) return 'common';
  if (result.score < MIN_SCORE) return 'weak';
  return null;
}

function isSingleKnownWord(sequence: MatchExtended[], password: string): boolean {
  const [only] = sequence;
  if (sequence.length !== 1 || only === undefined || only.token !== password) return false;
  return (
    'dictionaryName' in only && (only.dictionaryName === 'passwords-common' || only.dictionaryName === 'userInputs')
  );
}

/** Adds the forms people reuse: the local part of an email, the digits of a phone number and its national part. */
function expandUserInputs(userInputs: string[]): string[] {
  const out = new Set<string>();
  for (const raw of userInputs) {
    const input = raw.normalize('NFC').trim();
    if (input === '') continue;
    out.add(input);
    const at = input.lastIndexOf('@');
    if (at > 0) out.add(input.slice(0, at));
    if (/^[+\d\s().-]+$/.test(input)) {
      const digits = input.replace(/\D/g, '');
      out.add(digits);
      // "+221 77 123 45 67" is typed as "771234567" as often as in full.
      if (digits.length > 9) out.add(digits.slice(-9));
    }
  }
  return [...out];
}

/** Case, spacing and separators do not make a reused identifier new. */
function fold(value: string): string {
  return value.toLowerCase().replace(/[\s._+()-]/g, '');
}
