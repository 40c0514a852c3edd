/** The audit trail: insert only (the table refuses UPDATE and DELETE). */
import type { Queryable } from '../db/database.js';

export type AuditAction =
  | 'reset.requested'
  | 'reset.code_sent'
  | 'reset.code_send_failed'
  | 'reset.code_resent'
  | 'reset.code_failed'
  | 'reset.verified'
  | 'reset.locked'
  | 'reset.expired'
  | 'reset.completed'
  | 'reset.cancelled'
  | 'reset.rate_limited'
  | 'reset.secret_rejected'
  | 'reset.knowledge_checked'
  | 'ussd.session_ended'
  | 'sms.not_me';

export interface AuditEntry {
  action: AuditAction;
  outcome?: string;
  userId?: string | null;
  requestId?: string | null;
  kind?: string | null;
  channel?: string | null;
  country?: string | null;
  /** Already masked (maskPhone / maskEmail). */
  subject?: string | null;
  ip?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

export async function insertAuditEntry(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO molam_audit_log (action, outcome, user_id, request_id, kind, channel, country, subject, actor_ip, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      e.action,
      e.outcome ?? 'ok',
      e.userId ?? null,
      e.requestId ?? null,
      e.kind ?? null,
      e.channel ?? null,
      e.country ?? null,
      e.subject ?? null,
      e.ip ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
}
