/**
 * Sends OTPs and "your credential changed" notices. Runs after the answer has
 * left (callers don't await it), so a slow provider never slows a request or
 * reveals whether an account exists; failures are audited, never thrown.
 */
import type { MessageSender, OutboundMessage } from '../../gateways/message-sender.js';
import type { Database } from '../db/database.js';
import { maskIdentifier, type Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { insertAuditEntry } from '../queries/audit.queries.js';
import type { ResetKind } from '../../machines/types.js';
import type { UserRow } from '../queries/users.queries.js';
import { otpEmail, otpSms, resetDoneEmail, resetDoneSms } from '../i18n/messages.js';
import { createOutboundMessageQueries } from '../queries/outbound-messages.queries.js';
import type { PendingOtpMessages } from './pending-otp-messages.js';

export interface NotifierDeps {
  sender: MessageSender;
  db: Database;
  /** Keeps a sealed copy of each OTP SMS while its code lives, for a failover on a failed delivery report. */
  pendingOtps: PendingOtpMessages;
  metrics: Metrics;
  logger: Logger;
  otpTtlSeconds: number;
  otpSmsDomain: string;
}

export interface OtpDelivery {
  requestId: string;
  kind: ResetKind;
  channel: 'sms' | 'email';
  to: string;
  lang: string;
  otp: string;
  userId: string;
  resend?: boolean;
}

export function createNotifier({
  sender,
  db,
  pendingOtps,
  metrics,
  logger,
  otpTtlSeconds,
  otpSmsDomain,
}: NotifierDeps) {
  const ttl = String(Math.floor(otpTtlSeconds / 60));
  const messages = createOutboundMessageQueries(db);

  async function deliver(
    message: OutboundMessage,
    purpose: 'otp' | 'notice' | 'reply',
    requestId: string | null = null,
  ): Promise<boolean> {
    try {
      const result = await sender.send(message);
      metrics.messagesSent.inc({ channel: message.channel, result: 'sent' });
      if (result.providerMessageId) {
        await messages.recordOutboundMessage({
          provider: result.provider,
          providerMessageId: result.providerMessageId,
          channel: message.channel,
          purpose,
          requestId,
          recipient: maskIdentifier(message.to),
        });
        if (purpose === 'otp' && message.channel === 'sms')
          await pendingOtps.keep(result.provider, result.providerMessageId, message);
      }
      return true;
    } catch (err) {
      metrics.messagesSent.inc({ channel: message.channel, result: 'failed' });
      // Provider errors may echo the message: log only their name and stable reason.
      const { name, reason } = err as { name: string; reason?: string };
      logger.warn(
        { to: maskIdentifier(message.to), channel: message.channel, err: name, reason },
        'message send failed',
      );
      return false;
    }
  }

  return {
    /** Sends the code; records code_sent or code_send_failed in the audit trail. */
    async sendOtp(d: OtpDelivery): Promise<boolean> {
      const message: OutboundMessage =
        d.channel === 'sms'
          ? { to: d.to, channel: 'sms', body: otpSms(d.lang, d.kind, { otp: d.otp, ttl, domain: otpSmsDomain }) }
          : { to: d.to, channel: 'email', ...otpEmail(d.lang, d.kind, { otp: d.otp, ttl }) };
      const ok = await deliver(message, 'otp', d.requestId);
      await insertAuditEntry(db, {
        action: ok ? 'reset.code_sent' : 'reset.code_send_failed',
        outcome: ok ? 'ok' : 'failed',
        userId: d.userId,
        requestId: d.requestId,
        kind: d.kind,
        channel: d.channel,
        subject: maskIdentifier(d.to),
        details: { resend: d.resend ?? false },
      }).catch((err) => logger.error({ err: (err as Error).message }, 'audit write failed'));
      return ok;
    },

    /** Tells the person on every contact point on file that the credential changed ("not you?"). */
    async notifyResetDone(user: UserRow, kind: ResetKind): Promise<void> {
      const sends: Promise<boolean>[] = [];
      if (user.phone_e164)
        sends.push(deliver({ to: user.phone_e164, channel: 'sms', body: resetDoneSms(user.language, kind) }, 'notice'));
      if (user.email)
        sends.push(deliver({ to: user.email, channel: 'email', ...resetDoneEmail(user.language, kind) }, 'notice'));
      await Promise.all(sends);
    },

    /** A short SMS answer to an inbound message (Africa's Talking has no synchronous reply). */
    sendReply: (to: string, body: string) => deliver({ to, channel: 'sms', body }, 'reply'),
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
