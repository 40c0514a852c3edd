/**
 * SMS and email texts, per language. OTP SMS end with the origin-bound line
 * "@<domain> #<code>" (WICG sms-one-time-codes) so phones can autofill them,
 * and stay inside one GSM-7 segment (160 characters, no accented letters
 * outside the GSM-7 table). Keys OTP_EMAIL_* follow the deployment guide.
 */
import type { ResetKind } from '../../machines/types.js';

export type MessageLang = 'fr' | 'en';

/** Answers to an inbound SMS (a code, STOP / NOT ME with or without a live reset, anything else). */
export const SMS_REPLIES = ['code_accepted', 'code_wrong', 'no_reset', 'cancelled', 'nothing_to_cancel', 'help'] as const;
export type SmsReply = (typeof SMS_REPLIES)[number];

interface Catalog {
  SMS_REPLY: Record<SmsReply, string>;
  OTP_SMS: Record<ResetKind, string>;
  OTP_EMAIL_SUBJECT: string;
  PIN_OTP_EMAIL_SUBJECT: string;
  OTP_EMAIL_BODY: string;
  PIN_OTP_EMAIL_BODY: string;
  RESET_DONE_SMS: Record<ResetKind, string>;
  RESET_DONE_EMAIL_SUBJECT: string;
  RESET_DONE_EMAIL_BODY: Record<ResetKind, string>;
}

const catalogs: Record<MessageLang, Catalog> = {
  en: {
    SMS_REPLY: {
      code_accepted: 'Molam ID: code confirmed. Dial the Molam ID code again to choose your new secret.',
      code_wrong: 'Molam ID: this code is not valid. Check the SMS and try again.',
      no_reset: 'Molam ID: no reset is in progress for this number.',
      cancelled: 'Molam ID: the reset was cancelled and our team was alerted. Nothing was changed.',
      nothing_to_cancel: 'Molam ID: no reset is in progress for this number, so there is nothing to cancel. If your PIN or password changed without you, call customer care.',
      help: 'Molam ID: reply with the 6-digit code, or NOT ME if you did not ask for a reset.',
    },
    OTP_SMS: {
      ussd_pin: 'Molam ID: {otp} is your PIN reset code. It expires in {ttl} min. Never share it.\n\n@{domain} #{otp}',
      password: 'Molam ID: {otp} is your password reset code. It expires in {ttl} min. Never share it.\n\n@{domain} #{otp}',
    },
    OTP_EMAIL_SUBJECT: 'Your Molam ID password reset code',
    PIN_OTP_EMAIL_SUBJECT: 'Your Molam ID PIN reset code',
    OTP_EMAIL_BODY: 'Your Molam ID password reset code is {otp}. It expires in {ttl} minutes.\n\nIf you did not ask for it, ignore this email: your password stays unchanged.',
    PIN_OTP_EMAIL_BODY: 'Your Molam ID PIN reset code is {otp}. It expires in {ttl} minutes.\n\nIf you did not ask for it, ignore this email: your PIN stays unchanged.',
    RESET_DONE_SMS: {
      ussd_pin: 'Molam ID: your PIN was changed. Not you? Reply NOT ME or call customer care now.',
      password: 'Molam ID: your password was changed. Not you? Reply NOT ME or call customer care now.',
    },
    RESET_DONE_EMAIL_SUBJECT: 'Your Molam ID credentials were changed',
    RESET_DONE_EMAIL_BODY: {
      ussd_pin: 'Your Molam ID PIN was changed just now.\n\nNot you? Contact Molam customer care immediately.',
      password: 'Your Molam ID password was changed just now.\n\nNot you? Contact Molam customer care immediately.',
    },
  },
  fr: {
    SMS_REPLY: {
      code_accepted: 'Molam ID: code confirme. Composez de nouveau le code Molam ID pour choisir le nouveau secret.',
      code_wrong: "Molam ID: ce code n'est pas valide. Verifiez le SMS et reessayez.",
      no_reset: "Molam ID: aucune demande en cours pour ce numero.",
      cancelled: "Molam ID: la demande est annulee et notre equipe est alertee. Rien n'a ete modifie.",
      nothing_to_cancel: "Molam ID: aucune demande en cours pour ce numero, rien a annuler. Si votre PIN ou mot de passe a change sans vous, appelez le service client.",
      help: "Molam ID: repondez avec le code a 6 chiffres, ou NON si vous n'avez rien demande.",
    },
    OTP_SMS: {
      ussd_pin: 'Molam ID: {otp} est votre code pour changer de PIN. Valable {ttl} min. Ne le partagez jamais.\n\n@{domain} #{otp}',
      password: 'Molam ID: {otp} est votre code pour changer de mot de passe. Valable {ttl} min. Ne le partagez jamais.\n\n@{domain} #{otp}',
    },
    OTP_EMAIL_SUBJECT: 'Votre code de reinitialisation du mot de passe Molam ID',
    PIN_OTP_EMAIL_SUBJECT: 'Votre code de reinitialisation du PIN Molam ID',
    OTP_EMAIL_BODY: 'Votre code Molam ID pour changer de mot de passe est {otp}. Il expire dans {ttl} minutes.\n\nSi vous ne l\'avez pas demande, ignorez cet email : votre mot de passe reste inchange.',
    PIN_OTP_EMAIL_BODY: 'Votre code Molam ID pour changer de PIN est {otp}. Il expire dans {ttl} minutes.\n\nSi vous ne l\'avez pas demande, ignorez cet email : votre PIN reste inchange.',
    RESET_DONE_SMS: {
      ussd_pin: 'Molam ID: votre PIN a ete change. Pas vous ? Repondez NON ou appelez le service client.',
      password: 'Molam ID: votre mot de passe a ete change. Pas vous ? Repondez NON ou appelez le service client.',
    },
    RESET_DONE_EMAIL_SUBJECT: 'Vos identifiants Molam ID ont ete modifies',
    RESET_DONE_EMAIL_BODY: {
      ussd_pin: 'Votre PIN Molam ID vient d\'etre change.\n\nPas vous ? Contactez immediatement le service client Molam.',
      password: 'Votre mot de passe Molam ID vient d\'etre change.\n\nPas vous ? Contactez immediatement le service client Molam.',
    },
  },
};

export const MESSAGE_LANGS = Object.keys(catalogs) as MessageLang[];

/** Any language we have no catalog for falls back to French, the majority language of Molam's markets. */
export const messageLang = (lang: string | null | undefined): MessageLang =>
  lang && lang in catalogs ? (lang as MessageLang) : 'fr';

const fill = (template: string, params: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => params[key] ?? '');

export function otpSms(lang: string, kind: ResetKind, params: { otp: string; ttl: string; domain: string }) {
  return fill(catalogs[messageLang(lang)].OTP_SMS[kind], params);
}

export function otpEmail(lang: string, kind: ResetKind, params: { otp: string; ttl: string }) {
  const c = catalogs[messageLang(lang)];
  return kind === 'password'
    ? { subject: c.OTP_EMAIL_SUBJECT, body: fill(c.OTP_EMAIL_BODY, params) }
    : { subject: c.PIN_OTP_EMAIL_SUBJECT, body: fill(c.PIN_OTP_EMAIL_BODY, params) };
}

export function resetDoneSms(lang: string, kind: ResetKind) {
  return catalogs[messageLang(lang)].RESET_DONE_SMS[kind];
}

export function resetDoneEmail(lang: string, kind: ResetKind) {
  const c = catalogs[messageLang(lang)];
  return { subject: c.RESET_DONE_EMAIL_SUBJECT, body: c.RESET_DONE_EMAIL_BODY[kind] };
}

export function smsReply(lang: string, reply: SmsReply) {
  return catalogs[messageLang(lang)].SMS_REPLY[reply];
}
