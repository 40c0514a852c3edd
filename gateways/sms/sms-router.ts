/**
 * SMS routing and failover, and the channel dispatcher in front of it.
 *
 * SMS_ROUTES names the provider order per country prefix:
 *   "+221:africastalking,twilio;+254:africastalking;*:twilio"
 * The longest matching E.164 prefix wins; "*" matches every other number.
 * A send tries the first provider; on any error or timeout THE SAME message
 * (same body, so the same code) goes once through each next provider in turn.
 * A failed delivery report calls `failover(message, failedProvider)`, which
 * resumes the same list after the provider that failed. The router never builds
 * a message, so it can never send a second, different code.
 *
 * A timeout is not proof of non-delivery: the slow provider may still deliver,
 * and the user then gets the same code twice. That is the price of the deadline.
 */
import type { MessageSender, OutboundMessage, SendResult } from '../message-sender.js';
import { SendError, isSendError, maskRecipient, type SendAttempt, type SendFailureReason } from '../send-error.js';

export const SMS_ROUTER = 'sms-router';

export interface SmsRoute {
  /** '+221' (a country or longer prefix, E.164 digits) or '*' (everything else). */
  prefix: string;
  providers: readonly string[];
}

/** SMS_ROUTES cannot be read; the message says which entry and why. */
export class SmsRoutesError extends Error {
  constructor(message: string) {
    super(`SMS_ROUTES: ${message}`);
    this.name = 'SmsRoutesError';
  }
}

/** One send attempt, for metrics (molam_id_sms_sent_total{provider,status}) and latency. */
export interface SmsAttemptEvent {
  provider: string;
  ok: boolean;
  reason?: SendFailureReason;
  durationMs: number;
}

export interface SmsRouter extends MessageSender {
  /** The provider order for a number, or [] when no route matches. */
  providersFor(to: string): readonly string[];
  /** Sends the same message through the providers after `failedProvider` (a failed delivery report). */
  failover(message: OutboundMessage, failedProvider: string): Promise<SendResult>;
}

const PREFIX = /^\+[1-9]\d{0,14}$/;

/** Parses SMS_ROUTES; throws SmsRoutesError naming the first bad entry. `known` = provider names that exist. */
export function parseSmsRoutes(spec: string, known?: readonly string[]): SmsRoute[] {
  const entries = spec
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new SmsRoutesError('is empty; expected e.g. "+221:africastalking,twilio;*:twilio"');
  const routes: SmsRoute[] = [];
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1} ("${entry}")`;
    const colon = entry.indexOf(':');
    if (colon === -1) throw new SmsRoutesError(`${where} must read "<prefix>:<provider>[,<provider>…]"`);
    const prefix = entry.slice(0, colon).trim();
    if (prefix !== '*' && !PREFIX.test(prefix)) {
      throw new SmsRoutesError(`${where}: prefix "${prefix}" must be "*" or "+" and up to 15 digits, e.g. "+221"`);
    }
    if (routes.some((r) => r.prefix === prefix))
      throw new SmsRoutesError(`${where}: prefix "${prefix}" is routed twice`);
    const providers = entry
      .slice(colon + 1)
      .split(',')
      .map((p) => p.trim());
    if (providers.some((p) => p === '')) throw new SmsRoutesError(`${where}: empty provider name`);
    const dup = providers.find((p, j) => providers.indexOf(p) !== j);
    if (dup) throw new SmsRoutesError(`${where}: provider "${dup}" is listed twice`);
    const unknown = known ? providers.find((p) => !known.includes(p)) : undefined;
    if (unknown) {
      throw new SmsRoutesError(`${where}: unknown provider "${unknown}" (configured: ${known?.join(', ') || 'none'})`);
    }
    routes.push({ prefix, providers });
  });
  return routes;
}

/** Longest matching prefix first, then '*'; [] when nothing matches or `to` is not E.164. */
export function providersForNumber(routes: readonly SmsRoute[], to: string): readonly string[] {
  if (!/^\+\d{6,15}$/.test(to)) return [];
  let best: SmsRoute | undefined;
  for (const route of routes) {
    if (route.prefix !== '*' && to.startsWith(route.prefix) && route.prefix.length > (best?.prefix.length ?? 0))
      best = route;
  }
  return (best ?? routes.find((r) => r.prefix === '*'))?.providers ?? [];
}

export function createSmsRouter(options: {
  routes: string;
  senders: Readonly<Record<string, MessageSender>>;
  onAttempt?: (event: SmsAttemptEvent) => void;
}): SmsRouter {
  const { senders, onAttempt } = options;
  const routes = parseSmsRoutes(options.routes, Object.keys(senders));
  const providersFor = (to: string) => providersForNumber(routes, to);

  async function tryInOrder(message: OutboundMessage, providers: readonly string[]): Promise<SendResult> {
    const attempts: SendAttempt[] = [];
    for (const provider of providers) {
      const sender = senders[provider];
      if (!sender) continue; // parseSmsRoutes checked the names; kept for the type checker
      const started = performance.now();
      try {
        const result = await sender.send(message);
        onAttempt?.({ provider, ok: true, durationMs: performance.now() - started });
        // The route key names the provider, so failover() finds it in the list again.
        return { ...result, provider };
      } catch (err) {
        const reason: SendFailureReason = isSendError(err) ? err.reason : 'transient';
        onAttempt?.({ provider, ok: false, reason, durationMs: performance.now() - started });
        attempts.push({ provider, reason });
      }
    }
    const tried = attempts.map((a) => `${a.provider} ${a.reason}`).join(', ');
    throw new SendError({
      provider: SMS_ROUTER,
      reason: attempts.at(-1)?.reason ?? 'rejected',
      message:
        attempts.length > 0
          ? `every SMS provider failed for ${maskRecipient(message.to)}: ${tried}`
          : `no SMS provider left for ${maskRecipient(message.to)}`,
      attempts,
    });
  }

  function checkSms(message: OutboundMessage): readonly string[] {
    if (message.channel !== 'sms') {
      throw new SendError({
        provider: SMS_ROUTER,
        reason: 'config',
        message: `the SMS router got a ${message.channel} message`,
      });
    }
    const providers = providersFor(message.to);
    if (providers.length === 0) {
      throw new SendError({
        provider: SMS_ROUTER,
        reason: 'config',
        message: `no SMS route for ${maskRecipient(message.to)}`,
      });
    }
    return providers;
  }

  return {
    name: SMS_ROUTER,
    providersFor,
    send: async (message) => tryInOrder(message, checkSms(message)),
    async failover(message, failedProvider) {
      const providers = checkSms(message);
      const at = providers.indexOf(failedProvider);
      // A provider no longer in the route (SMS_ROUTES changed since the send): use the route as it is now.
      return tryInOrder(message, at === -1 ? providers.filter((p) => p !== failedProvider) : providers.slice(at + 1));
    },
  };
}

/** The one MessageSender the notifier gets: SMS to the router, email to the email sender. */
export function createChannelRouter(channels: { sms: MessageSender; email: MessageSender }): MessageSender {
  return {
    name: 'channel-router',
    async send(message) {
      const sender =
        message.channel === 'sms' ? channels.sms : message.channel === 'email' ? channels.email : undefined;
      if (!sender)
        throw new SendError({
          provider: 'channel-router',
          reason: 'config',
          message: `unknown channel "${String(message.channel)}"`,
        });
      return sender.send(message);
    },
  };
}
