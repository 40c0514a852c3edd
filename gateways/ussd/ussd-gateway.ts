/**
 * What a USSD gateway is, as data: one descriptor per provider says where its
 * webhook lives, which secret authenticates it, how a request becomes a dialog
 * event (or a session end) and how a screen goes back. The HTTP layer mounts
 * every registered descriptor in one loop (src/http/routes/ussd.routes.ts).
 * Pure types: gateways never import src/.
 */
import type { DialogEvent, PreviousPath, ScreenReply } from '../../machines/dialog-event.js';

/** How a provider USSD session ended, as the service sees it (AT notification, Hubtel release/timeout). */
export interface UssdSessionEnd {
  provider: string;
  providerSessionId: string;
  phone: string;
  /** incomplete: user left or timed out mid-dialog; success: reached an END; failed: our side erred or was too slow. */
  status: 'incomplete' | 'success' | 'failed';
  hops?: number;
  durationMs?: number;
  /** Provider's reason, bounded and stripped of controls; never contains user input. */
  errorMessage?: string;
  receivedAt: Date;
}

/**
 * One parsed webhook request: a hop for the dialog, or the end of the session.
 * `echo` is what the reply must repeat back (Arkesel and Nalo echo the session
 * and user ids); undefined for providers whose reply carries none.
 */
export type UssdParsed<Echo> =
  { kind: 'hop'; event: DialogEvent; echo: Echo } | { kind: 'end'; end: UssdSessionEnd; echo: Echo };

/** The latest input from a provider that sends the whole typed path (Africa's Talking). */
export type LatestInputOf = (hopId: string, previous: PreviousPath | null) => string;

export interface UssdGateway<Echo = unknown> {
  /** Stable id: metric label, dialog key, audit detail ('africastalking'). */
  provider: string;
  /** For people: start-up log lines ("Hubtel USSD webhook not mounted…"). */
  name: string;
  /** POST route of the hop webhook. */
  path: string;
  /**
   * The environment variable whose value is expected as `?token=` on every call
   * (≥ 32 characters in production). 'required': production refuses to start
   * without it; 'optional': production does not mount the webhook without it (404).
   */
  token: { env: string; inProduction: 'required' | 'optional' };
  /** Content type of the reply; the status is always 200 (a refused request is a 4xx GatewayError from parse). */
  contentType: string;
  /** @throws GatewayError (4xx) on a request that is not this provider's. */
  parse(body: unknown, receivedAt: Date): UssdParsed<Echo>;
  /** The reply body for a screen, or for a session end ({ text: '', end: true }). */
  render(reply: ScreenReply, echo: Echo): string | object;
  /** Set when hopId is a cumulative path and the runtime must find the latest input in it. */
  latestInput?: LatestInputOf;
  /** A separate end-of-session callback (Africa's Talking), answered 204 under the same token. */
  sessionEnd?: { path: string; parse(body: unknown, receivedAt: Date): UssdSessionEnd };
}
