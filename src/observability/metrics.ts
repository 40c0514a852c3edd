/**
 * Prometheus metrics with the deployment guide's names. One registry per app
 * instance, so tests that start several servers in one process don't collide.
 * Labels never carry a phone number, an identifier or a secret.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'molam_id_request_duration_seconds',
    help: 'HTTP request duration (API, webhooks, USSD hops) by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const otpFailures = new Counter({
    name: 'molam_id_otp_failures_total',
    help: 'Wrong, expired or locked OTP submissions',
    labelNames: ['kind', 'reason'] as const,
    registers: [registry],
  });
  const otpVerifications = new Counter({
    name: 'molam_id_otp_verifications_total',
    help: 'Every OTP submission by result (ok, invalid, expired, locked): the denominator of the failure ratio',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  const resetRequests = new Counter({
    name: 'molam_id_reset_requests_total',
    help: 'Reset requests started, by kind, channel and country (unknown identifiers count as country "unknown")',
    labelNames: ['kind', 'channel', 'country'] as const,
    registers: [registry],
  });
  const resetsCompleted = new Counter({
    name: 'molam_id_resets_completed_total',
    help: 'Credential resets completed',
    labelNames: ['kind', 'channel'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'molam_id_rate_limited_total',
    help: 'Requests refused by a rate limit, by scope',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const messagesSent = new Counter({
    name: 'molam_id_messages_sent_total',
    help: 'Outbound OTP and notification messages by channel and result',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
  });

  const ussdHops = new Counter({
    name: 'molam_id_ussd_hops_total',
    help: 'USSD hops answered, by provider and the screen shown',
    labelNames: ['provider', 'screen'] as const,
    registers: [registry],
  });
  const ussdSessions = new Counter({
    name: 'molam_id_ussd_sessions_total',
    help: 'USSD sessions ended, by provider and status (success, incomplete, failed) from end-of-session notifications',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const webhookAuthFailures = new Counter({
    name: 'molam_id_webhook_auth_failures_total',
    help: 'Webhook calls refused for a missing or wrong token/signature',
    labelNames: ['provider'] as const,
    registers: [registry],
  });

  const smsSent = new Counter({
    name: 'molam_id_sms_sent_total',
    help: 'SMS send attempts by provider and status (sent, or the failure reason: rejected, transient, opted_out, timeout, config)',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const smsDeliveryReports = new Counter({
    name: 'molam_id_sms_delivery_reports_total',
    help: 'Final SMS delivery reports by provider and status (delivered, failed)',
    labelNames: ['provider', 'status'] as const,
    registers: [registry],
  });
  const smsDeliverySeconds = new Histogram({
    name: 'molam_id_sms_delivery_seconds',
    help: 'Time from handing an SMS to the provider to its delivered report',
    labelNames: ['provider'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const dependencyUp = new Gauge({
    name: 'molam_id_dependency_up',
    help: 'Whether the last health check reached a dependency (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [registry],
  });

  return {
    smsSent,
    smsDeliveryReports,
    smsDeliverySeconds,
    dependencyUp,
    ussdHops,
    ussdSessions,
    webhookAuthFailures,
    registry,
    requestDuration,
    otpFailures,
    otpVerifications,
    resetRequests,
    resetsCompleted,
    rateLimited,
    messagesSent,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
