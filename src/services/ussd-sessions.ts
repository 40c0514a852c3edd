/**
 * The end of a provider USSD session (Africa's Talking notification, Hubtel
 * release or timeout): counted, and kept in the audit log with the number
 * masked. The dialog itself is left alone: an incomplete one is offered for
 * resume on the next dial.
 */
import type { UssdSessionEnd } from '../../gateways/ussd/ussd-gateway.js';
import type { Database } from '../db/database.js';
import { maskPhone } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { insertAuditEntry } from '../queries/audit.queries.js';

export function createUssdSessions({ db, metrics }: { db: Database; metrics: Metrics }) {
  return {
    async ended(end: UssdSessionEnd): Promise<void> {
      metrics.ussdSessions.inc({ provider: end.provider, status: end.status });
      await insertAuditEntry(db, {
        action: 'ussd.session_ended',
        outcome: end.status,
        subject: maskPhone(end.phone),
        details: {
          provider: end.provider,
          hops: end.hops ?? null,
          durationMs: end.durationMs ?? null,
          error: end.errorMessage ?? null,
        },
      });
    },
  };
}

export type UssdSessions = ReturnType<typeof createUssdSessions>;
