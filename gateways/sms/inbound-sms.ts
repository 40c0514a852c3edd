/**
 * An SMS a user sent us, whichever provider carried it, and what the reply
 * means: a code typed back ("123 456"), a "not me" (STOP, NON, PAS MOI…), or
 * anything else. Pure: no I/O, no dialog knowledge.
 */

export interface InboundSms {
  provider: 'twilio' | 'africastalking';
  /** Twilio MessageSid / AT id: the dedupe key for a retried webhook. */
  providerMessageId: string;
  /** The sender, as the provider wrote it (E.164 for both providers). */
  from: string;
  /** Our number or short code. */
  to: string;
  text: string;
  /** AT only: the provider's timestamp ("yyyy-MM-dd HH:mm:ss" style), as sent. */
  date?: string;
  /** AT only: needed to answer on a premium (on-demand) short code. */
  linkId?: string;
  networkCode?: string;
  /** Twilio only. */
  accountSid?: string;
}

export type ReplyKind = 'not_me' | 'other' | { code: string };

/**
 * Classify a reply: 'not_me' when it is one of `notMeWords` (the catalogs' words,
 * given uppercase with single spaces) in any case, accents, surrounding spaces or
 * punctuation; `{ code }` for six digits, spaces allowed ("482 913"); 'other' for everything else.
 */
export function classifyReply(text: string, notMeWords: ReadonlySet<string>): ReplyKind {
  // NFKC folds full-width digits and letters some keyboards produce.
  const folded = text.normalize('NFKC');
  const digits = folded.replace(/[\s\p{P}]/gu, '');
  if (/^\d{6}$/.test(digits) && /^[\s\p{P}]*\d[\d\s]*[\s\p{P}]*$/u.test(folded)) return { code: digits };
  const words = folded
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
  return notMeWords.has(words) ? 'not_me' : 'other';
}
