/**
 * The boundary between telco gateways and the dialog runtime. Pure types, here
 * in machines/ so that both sides import them without depending on each other.
 * A gateway turns one provider request into a DialogEvent, and turns a
 * rendered ScreenReply back into that provider's response format.
 */

/** One USSD hop (or one SMS reply) as the dialog runtime sees it. */
export interface DialogEvent {
  /** Which gateway produced it, e.g. 'africastalking' or 'hubtel'. */
  provider: string;
  /** The provider's own session id; the same for every hop of one USSD session. */
  providerSessionId: string;
  /** The subscriber's number exactly as the provider sent it (the runtime normalizes to E.164). */
  phone: string;
  /** True on the first hop of a provider session (the dial itself). */
  newSession: boolean;
  /** The latest input only (never the whole path); null on the dial itself. */
  input: string | null;
  /**
   * Identifies this hop within the provider session: a retried hop carries the same hopId.
   * Africa's Talking: the cumulative `text`; Hubtel: sequence + message. It holds what the
   * user typed (codes, PINs): the runtime keeps only keyed hashes of it, never the text.
   */
  hopId: string;
  serviceCode?: string;
  networkCode?: string;
  receivedAt: Date;
}

/**
 * What the runtime keeps of a session's previous typed path (which holds codes
 * and PINs): its length, and a check that a string is that path (an HMAC
 * compare). The path itself is never stored.
 */
export interface PreviousPath {
  length: number;
  is(text: string): boolean;
}

/** What the runtime answers for one hop: a screen text and whether the session ends. */
export interface ScreenReply {
  text: string;
  end: boolean;
}
