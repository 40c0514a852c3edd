/**
 * Replies to our SMS: a 6-digit code moves the phone's live dialog on (the
 * same machine as USSD: the next dial resumes at "new PIN"); STOP / NON /
 * NOT ME cancels every live reset of that number, is audited and flagged as
 * a risk signal; anything else gets a short help text. Returns the answer to
 * send back, in the account's language.
 */
import { classifyReply, type InboundSms } from '../../gateways/inbound-sms.js';
import type { Database } from '../db/database.js';
import type { DialogRuntime } from '../dialogs/dialog-runtime.js';
import { smsReply, type SmsReply } from '../i18n/messages.js';
import { maskPhone } from '../logger.js';
import { insertAuditEntry } from '../queries/audit.queries.js';
import { createUserQueries } from '../queries/users.queries.js';
import { subscriberPhone } from './identifiers.js';

export interface InboundSmsDeps {
  db: Database;
  dialogs: DialogRuntime;
  defaultCountry: string;
  /** Raises the suspicious_reset_pattern risk signal, when risk signals are enabled. */
  onNotMe?: (userId: string) => void;
}

/** Screens the dialog may show after a code arrived by SMS, and what that means for the reply. */
const AFTER_CODE: Record<string, SmsReply> = {
  new_pin: 'code_accepted',
  new_password: 'code_accepted',
  enter_code: 'code_wrong',
  locked: 'code_wrong',
  expired: 'code_wrong',
};

export function createInboundSmsService({ db, dialogs, defaultCountry, onNotMe }: InboundSmsDeps) {
  const users = createUserQueries(db);

  async function cancelEverything(phone: string, provider: string): Promise<void> {
    const dialog = await dialogs.sms(phone, { type: 'NOT_ME' });
    const user = await users.findActiveUserByPhone(phone);
    const { rows } = await db.query<{ id: string }>(
      `UPDATE molam_reset_requests SET status = 'cancelled', updated_at = now()
       WHERE user_id = $1 AND status IN ('pending', 'verified') RETURNING id`, [user?.id ?? null]);
    await insertAuditEntry(db, {
      action: 'sms.not_me', outcome: rows.length > 0 || dialog.screenId === 'cancelled' ? 'cancelled' : 'nothing_live',
      userId: user?.id ?? null, channel: 'sms', subject: maskPhone(phone), details: { provider, cancelledOutsideDialog: rows.length },
    });
    if (user) onNotMe?.(user.id);
  }

  return {
    async handle(sms: InboundSms): Promise<{ phone: string; reply: string }> {
      const phone = subscriberPhone(sms.from, defaultCountry);
      const lang = (await users.findActiveUserByPhone(phone))?.language ?? 'fr';
      const kind = classifyReply(sms.text);
      let reply: SmsReply = 'help';
      if (kind === 'not_me') {
        await cancelEverything(phone, sms.provider);
        reply = 'cancelled';
      } else if (typeof kind === 'object') {
        const result = await dialogs.sms(phone, { type: 'SMS_CODE', code: kind.code });
        reply = result.handled ? AFTER_CODE[result.screenId] ?? 'no_reset' : 'no_reset';
      }
      return { phone, reply: smsReply(lang, reply) };
    },
  };
}

export type InboundSmsService = ReturnType<typeof createInboundSmsService>;
