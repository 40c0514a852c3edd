/**
 * SMS and email texts of a language's catalog, filled. An unknown language
 * falls back to French (messageLang). Signatures take the language as stored
 * on the account (any string).
 */
import type { ResetKind } from '../../machines/types.js';
import type { SmsReply } from './catalog.js';
import { CATALOGS } from './catalogs/index.js';
import { messageLang } from './languages.js';

export { SMS_REPLIES, type SmsReply } from './catalog.js';

const catalog = (lang: string) => CATALOGS[messageLang(lang)];

const fill = (template: string, params: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => params[key] ?? '');

export function otpSms(lang: string, kind: ResetKind, params: { otp: string; ttl: string; domain: string }) {
  return fill(catalog(lang).sms.otp[kind], params);
}

export function otpEmail(lang: string, kind: ResetKind, params: { otp: string; ttl: string }) {
  const { subject, body } = catalog(lang).email.otp[kind];
  return { subject, body: fill(body, params) };
}

export function resetDoneSms(lang: string, kind: ResetKind) {
  return catalog(lang).sms.resetDone[kind];
}

export function resetDoneEmail(lang: string, kind: ResetKind) {
  return { ...catalog(lang).email.resetDone[kind] };
}

export function smsReply(lang: string, reply: SmsReply) {
  return catalog(lang).sms.replies[reply];
}

/** ussdCode: the service code the user dials (USSD_SERVICE_CODE) to go on with the reset of `kind`. */
export function codeAcceptedSms(lang: string, kind: ResetKind, params: { ussdCode: string }) {
  return fill(catalog(lang).sms.codeAccepted[kind], params);
}
