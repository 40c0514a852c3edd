/**
 * The shape of one language's catalog: every text a user sees (USSD screens,
 * the runtime's END texts, SMS, email) and the facts tied to the language
 * (where it is the default, the words of a "not me" reply). No member is
 * optional, so a catalog with a missing text does not compile; what differs per
 * reset kind is a Record<ResetKind, …>, so a new kind is a compile error here too.
 */
import type { DialogError, ResetKind, ScreenId } from '../../machines/types.js';

/** Answers to an inbound SMS (a code, STOP / NOT ME with or without a live reset, anything else). */
export const SMS_REPLIES = ['code_wrong', 'no_reset', 'cancelled', 'nothing_to_cancel', 'help'] as const;
export type SmsReply = (typeof SMS_REPLIES)[number];

/** END screens the dialog runtime answers itself when it cannot run the dialog. */
export const POLITE_ENDS = ['busy', 'slow', 'unavailable', 'closed'] as const;
export type PoliteEnd = (typeof POLITE_ENDS)[number];

/** A text with a count {n}: the form for "one" and for every other count (Intl.PluralRules of the language). */
export interface Plural {
  one: string;
  other: string;
}

export interface EmailText {
  subject: string;
  body: string;
}

/** One language's USSD texts. Templates use {placeholders} filled from screen params. */
export interface UssdTexts {
  /** Native name, listed on the language screen. */
  languageName: string;
  /** Label of the `98` option on a paged screen. */
  more: string;
  /** A wait in seconds, minutes, hours, {n} the number: "{n} min", or "dak {n}" where the unit comes first. */
  units: { s: string; min: string; h: string };
  /** What a count placeholder ({attemptsLeft}, {answersLeft}, {mismatchesLeft}) renders as. */
  triesLeft: Plural;
  screens: Record<ScreenId, string>;
  /** One-line prefixes shown above a screen that is asked again. */
  errors: Record<DialogError, string>;
}

export interface Catalog {
  /** ISO 3166 countries where this is the usual language of a service menu (default when none is on file). */
  countries: readonly string[];
  /** Replies meaning "I did not ask for this", as classifyReply normalizes them (A-Z 0-9, single spaces). */
  notMeWords: readonly string[];
  ussd: UssdTexts;
  politeEnd: Record<PoliteEnd, string>;
  sms: {
    /** One GSM-7 segment; ends with the origin-bound line "@{domain} #{otp}" (WICG sms-one-time-codes). */
    otp: Record<ResetKind, string>;
    resetDone: Record<ResetKind, string>;
    /** After a code arrived by SMS reply: dial {ussdCode} (USSD_SERVICE_CODE) to choose the new PIN or password. */
    codeAccepted: Record<ResetKind, string>;
    replies: Record<SmsReply, string>;
  };
  email: {
    otp: Record<ResetKind, EmailText>;
    resetDone: Record<ResetKind, EmailText>;
  };
}
