/** Named queries on molam_outbound_messages. */
import type { Queryable } from '../db/database.js';

export interface OutboundMessageRow {
  id: number;
  provider: string;
  provider_message_id: string;
  channel: 'sms' | 'email';
  purpose: 'otp' | 'notice' | 'reply';
  request_id: string | null;
  status: 'sent' | 'delivered' | 'failed';
  sent_at: Date;
}

export function createOutboundMessageQueries(db: Queryable) {
  return {
    async recordOutboundMessage(m: {
      provider: string;
      providerMessageId: string;
      channel: 'sms' | 'email';
      purpose: OutboundMessageRow['purpose'];
      requestId: string | null;
      recipient: string;
      failoverOf?: number;
    }): Promise<void> {
      await db.query(
        `INSERT INTO molam_outbound_messages (provider, provider_message_id, channel, purpose, request_id, recipient, failover_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (provider, provider_message_id) DO NOTHING`,
        [m.provider, m.providerMessageId, m.channel, m.purpose, m.requestId, m.recipient, m.failoverOf ?? null],
      );
    },

    /** Applies a final report once; a repeated or late report changes nothing (null). */
    async applyDeliveryReport(
      provider: string,
      providerMessageId: string,
      status: 'delivered' | 'failed',
      failureReason: string | null,
    ) {
      const { rows } = await db.query<OutboundMessageRow>(
        `UPDATE molam_outbound_messages SET status = $3, failure_reason = $4, reported_at = now()
         WHERE provider = $1 AND provider_message_id = $2 AND status = 'sent'
         RETURNING id, provider, provider_message_id, channel, purpose, request_id, status, sent_at`,
        [provider, providerMessageId, status, failureReason],
      );
      return rows[0] ?? null;
    },

    /** Claims the one failover a failed message may have. */
    async claimFailover(id: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE molam_outbound_messages SET failed_over = true WHERE id = $1 AND failed_over = false`,
        [id],
      );
      return rowCount === 1;
    },
  };
}

export type OutboundMessageQueries = ReturnType<typeof createOutboundMessageQueries>;
