/**
 * Delivery reports from the SMS providers: stored per message, counted, and
 * for an OTP that failed while its request is still open, the same message
 * goes out once more through the next provider of its route.
 */
import type { DeliveryReport } from '../../gateways/sms/delivery-reports.js';
import type { SmsRouter } from '../../gateways/sms/sms-router.js';
import type { Database } from '../db/database.js';
import { maskIdentifier, type Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { insertAuditEntry } from '../queries/audit.queries.js';
import { createOutboundMessageQueries, type OutboundMessageRow } from '../queries/outbound-messages.queries.js';
import { createResetRequestQueries } from '../queries/reset-requests.queries.js';
import type { PendingOtpMessages } from './pending-otp-messages.js';

export interface DeliveryServiceDeps {
  db: Database;
  pendingOtps: PendingOtpMessages;
  smsRouter: SmsRouter | undefined;
  metrics: Metrics;
  logger: Logger;
}

export function createDeliveryService({ db, pendingOtps, smsRouter, metrics, logger }: DeliveryServiceDeps) {
  const messages = createOutboundMessageQueries(db);
  const requests = createResetRequestQueries(db);

  async function failOver(row: OutboundMessageRow): Promise<void> {
    if (!smsRouter || row.purpose !== 'otp' || !row.request_id) return;
    const request = await requests.findResetRequestById(row.request_id);
    if (request?.status !== 'pending' || !(await messages.claimFailover(row.id))) return;
    const message = await pendingOtps.take(row.provider, row.provider_message_id);
    if (!message) return; // the code's lifetime is over: nothing left worth sending
    try {
      const result = await smsRouter.failover(message, row.provider);
      await messages.recordOutboundMessage({
        provider: result.provider,
        providerMessageId: result.providerMessageId ?? `unknown-${row.id}`,
        channel: 'sms',
        purpose: 'otp',
        requestId: row.request_id,
        recipient: maskIdentifier(message.to),
        failoverOf: row.id,
      });
      if (result.providerMessageId) await pendingOtps.keep(result.provider, result.providerMessageId, message);
      await insertAuditEntry(db, {
        action: 'reset.code_sent',
        requestId: row.request_id,
        userId: request.user_id,
        kind: request.kind,
        channel: 'sms',
        subject: maskIdentifier(message.to),
        details: { failoverFrom: row.provider, provider: result.provider },
      });
    } catch (err) {
      logger.warn({ err: (err as Error).name, requestId: row.request_id }, 'OTP failover found no provider');
      await insertAuditEntry(db, {
        action: 'reset.code_send_failed',
        outcome: 'no_provider_left',
        requestId: row.request_id,
        channel: 'sms',
      });
    }
  }

  return {
    async onReport(report: DeliveryReport): Promise<void> {
      if (report.status === 'pending') return;
      const row = await messages.applyDeliveryReport(
        report.provider,
        report.providerMessageId,
        report.status,
        report.failureReason ?? null,
      );
      if (!row) return; // unknown message, or a repeated report: already handled
      metrics.smsDeliveryReports.inc({ provider: row.provider, status: report.status });
      if (report.status === 'delivered') {
        metrics.smsDeliverySeconds.observe(
          { provider: row.provider },
          Math.max(0, (Date.now() - row.sent_at.getTime()) / 1000),
        );
      } else {
        await failOver(row);
      }
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
