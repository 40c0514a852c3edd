/**
 * Builds the outbound channels from configuration: Africa's Talking and/or
 * Twilio behind the SMS router (per-prefix order, failover), SES for email,
 * and the dev outbox for whatever is not configured outside production.
 */
import { createAfricasTalkingSmsSender } from '../../gateways/sms/africastalking-sms.js';
import type { DevOutbox } from '../../gateways/dev-outbox.js';
import type { MessageSender } from '../../gateways/message-sender.js';
import { createSesEmailSender } from '../../gateways/email/ses-email.js';
import { createChannelRouter, createSmsRouter, type SmsRouter } from '../../gateways/sms/sms-router.js';
import { createTwilioSmsSender } from '../../gateways/sms/twilio-sms.js';
import { unconfiguredSender } from '../../gateways/unconfigured-sender.js';
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';

export const TWILIO_STATUS_PATH = '/gateways/twilio/sms/status';

export function createMessaging(config: Config, metrics: Metrics, outbox: DevOutbox | undefined) {
  const fallback = outbox?.sender ?? unconfiguredSender;
  const smsSenders: Record<string, MessageSender> = {};
  if (config.africasTalking) {
    const at = config.africasTalking;
    smsSenders.africastalking = createAfricasTalkingSmsSender({
      username: at.username,
      apiKey: at.apiKey,
      senderId: at.senderId,
      baseUrl: at.baseUrl,
    });
  }
  if (config.twilio) {
    const tw = config.twilio;
    smsSenders.twilio = createTwilioSmsSender({
      accountSid: tw.sid,
      authToken: tw.token,
      from: tw.phone,
      baseUrl: tw.baseUrl,
      statusCallbackUrl: config.publicBaseUrl && `${config.publicBaseUrl}${TWILIO_STATUS_PATH}`,
    });
  }
  const providers = Object.keys(smsSenders);
  const smsRouter: SmsRouter | undefined =
    providers.length === 0
      ? undefined
      : createSmsRouter({
          routes: config.smsRoutes ?? `*:${providers.join(',')}`,
          senders: smsSenders,
          onAttempt: (a) =>
            metrics.smsSent.inc({ provider: a.provider, status: a.ok ? 'sent' : (a.reason ?? 'failed') }),
        });
  const email = config.ses
    ? createSesEmailSender({ region: config.ses.region, endpoint: config.ses.endpoint, from: config.emailFrom })
    : fallback;
  return {
    sender: createChannelRouter({ sms: smsRouter ?? fallback, email }),
    /** Present when a real SMS provider is configured: failed delivery reports fail over through it. */
    smsRouter,
  };
}
