/**
 * Replies to our SMS: a 6-digit code moves the phone's live dialog on (the
 * same machine as USSD: the next dial resumes at "new PIN"); STOP / NON /
 * NOT ME cancels every live reset of that number, is audited and flagged as
 * a risk signal; anything else gets a short help text. Returns the answer to
 * send back, in the account's language, or null when none is owed (item 14):
 * a provider's retry of a message already handled, a number with no account
 * and no dialog, or a number past its hourly reply cap. Replies are paid SMS.
 */
import { createHmac } from 'node:crypto';
import { classifyReply, type InboundSms } from '../../gateways/sms/inbound-sms.js';
import { RESET_KINDS, type DialogMachineEvent, type ResetKind } from '../../machines/types.js';
import type { Database } from '../db/database.js';
import { NOT_ME_WORDS } from '../i18n/languages.js';
import { codeAcceptedSms, smsReply, type SmsReply } from '../i18n/messages.js';
import { maskPhone } from '../logger.js';
import { insertAuditEntry } from '../queries/audit.queries.js';
import { createResetRequestQueries } from '../queries/reset-requests.queries.js';
import { createUserQueries, type UserRow } from '../queries/users.queries.js';
import type { KvStore } from '../store/kv-store.js';
import { subscriberPhone } from './identifiers.js';
import type { RateLimiter } from './rate-limits.js';

export interface InboundSmsDeps {
  db: Database;
  /** Hands an SMS event to the phone's live dialog (the dialog runtime's `sms`); handled: one was live. */
  dispatchToDialog: (phone: string, event: DialogMachineEvent) => Promise<{ handled: boolean; screenId: string }>;
  /** Remembers handled provider message ids (set-if-absent with a TTL). */
  kv: KvStore;
  limiter: RateLimiter;
  pepper: string;
  defaultCountry: string;
  /** The USSD code a confirmed code's reply tells the user to dial. */
  ussdServiceCode: string;
  /** Raises the suspicious_reset_pattern risk signal, when risk signals are enabled. */
  onNotMe?: (userId: string) => void;
}

/** How long a provider message id is remembered: retries come within minutes, a day is ample. */
export const INBOUND_DEDUPE_TTL_MS = 24 * 3600 * 1000;

/** Screens the dialog may show after a code arrived by SMS, and what that means for the reply. */
type AfterCode = SmsReply | { accepted: ResetKind };
const AFTER_CODE: Record<string, AfterCode> = {
  ...Object.fromEntries(RESET_KINDS.map((kind) => [`new_${kind}`, { accepted: kind }])),
  enter_code: 'code_wrong',
  locked: 'code_wrong',
  expired: 'code_wrong',
};

export function createInboundSmsService({
  db,
  dispatchToDialog,
  kv,
  limiter,
  pepper,
  defaultCountry,
  ussdServiceCode,
  onNotMe,
}: InboundSmsDeps) {
  const users = createUserQueries(db);
  const requests = createResetRequestQueries(db);
  // An HMAC of provider + message id: the key says nothing about the sender.
  const seenKey = (sms: InboundSms) =>
    `sms-in:${createHmac('sha256', pepper).update(`inbound-sms\n${sms.provider}\n${sms.providerMessageId}`).digest('base64url')}`;

  /** Cancels the live resets first, so what the reply says is what was done. */
  async function cancelEverything(
    phone: string,
    user: UserRow | undefined,
    provider: string,
  ): Promise<{ cancelled: boolean; dialog: boolean }> {
    const cancelled = user ? await requests.cancelLiveRequestsOfUser(user.id) : 0;
    const dialog = await dispatchToDialog(phone, { type: 'NOT_ME' });
    await insertAuditEntry(db, {
      action: 'sms.not_me',
      outcome: cancelled > 0 ? 'cancelled' : 'nothing_live',
      userId: user?.id ?? null,
      channel: 'sms',
      subject: maskPhone(phone),
      details: { provider, cancelled },
    });
    // Also with nothing live: a NOT ME may answer the "your PIN was changed" notice.
    if (user) onNotMe?.(user.id);
    return { cancelled: cancelled > 0, dialog: dialog.handled };
  }

  /** Runs the message's effect; returns the reply it calls for, or null when no reply is owed. */
  async function answer(phone: string, sms: InboundSms): Promise<string | null> {
    const user = await users.findActiveUserByPhone(phone);
    const meaning = classifyReply(sms.text, NOT_ME_WORDS);
    let reply: AfterCode = 'help';
    let dialog = false;
    if (meaning === 'not_me') {
      const result = await cancelEverything(phone, user, sms.provider);
      reply = result.cancelled ? 'cancelled' : 'nothing_to_cancel';
      dialog = result.dialog;
    } else if (typeof meaning === 'object') {
      const result = await dispatchToDialog(phone, { type: 'SMS_CODE', code: meaning.code });
      reply = result.handled ? (AFTER_CODE[result.screenId] ?? 'no_reset') : 'no_reset';
      dialog = result.handled;
    }
    if (!user && !dialog) return null;
    const capped = await limiter.consume('smsRepliesPerPhone', phone).then(
      () => false,
      () => true,
    );
    if (capped) return null;
    const lang = user?.language ?? 'fr';
    return typeof reply === 'object'
      ? codeAcceptedSms(lang, reply.accepted, { ussdCode: ussdServiceCode })
      : smsReply(lang, reply);
  }

  return {
    async handle(sms: InboundSms): Promise<{ phone: string; reply: string | null }> {
      const phone = subscriberPhone(sms.from, defaultCountry);
      const key = seenKey(sms);
      // Taken before the effect, so concurrent copies of one webhook run it once.
      if (!(await kv.setIfAbsent(key, '1', INBOUND_DEDUPE_TTL_MS))) return { phone, reply: null };
      try {
        return { phone, reply: await answer(phone, sms) };
      } catch (err) {
        // The provider retries a failed delivery: that retry must not read as a duplicate.
        await kv.delete(key).catch(() => {});
        throw err;
      }
    },
  };
}

export type InboundSmsService = ReturnType<typeof createInboundSmsService>;
