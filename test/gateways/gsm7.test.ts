/**
 * GSM-7 alphabet and SMS segment counting, and the SMS texts of every
 * language's catalog (src/i18n/catalogs) held to them. Pure: no I/O.
 */
import { describe, expect, it } from 'vitest';
import { LANGS, RESET_KINDS } from '../../machines/types.js';
import { USSD_SERVICE_CODE_FORMAT } from '../../src/config.js';
import { codeAcceptedSms, otpSms, resetDoneSms, SMS_REPLIES, smsReply } from '../../src/i18n/messages.js';
import { isGsm7, smsSegments } from '../support/gsm7.js';

// Worst case for length: the longest values each placeholder takes (USSD_SERVICE_CODE allows 21 characters).
const WORST = { otp: '000000', ttl: '10', domain: 'molam.id', ussdCode: '*9999*9999*9999*9999#' };

describe('isGsm7 / smsSegments', () => {
  it('accepts the basic table, and counts extension characters twice', () => {
    expect(isGsm7('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà')).toBe(true);
    expect(smsSegments('{€}')).toEqual({ encoding: 'GSM-7', units: 6, segments: 1 });
    expect(smsSegments('a'.repeat(158) + '€')).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(159) + '€')).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
  });

  it('falls back to UCS-2 for any character outside the alphabet', () => {
    for (const c of ['ê', 'ç', 'ô', 'Ê', '`', '’', '\u001b', '🎉']) expect(isGsm7(c)).toBe(false);
    expect(smsSegments('Réinitialisé ê')).toMatchObject({ encoding: 'UCS-2', units: 14, segments: 1 });
    expect(smsSegments('🎉'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
  });

  it('splits long texts into 153-septet / 67-unit parts, never inside an escape or surrogate pair', () => {
    expect(smsSegments('a'.repeat(306))).toEqual({ encoding: 'GSM-7', units: 306, segments: 2 });
    expect(smsSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
    // 152 septets then '€' (2): the pair moves whole to part two.
    expect(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
    expect(smsSegments('ê'.repeat(134))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(smsSegments('a'.repeat(66) + '🎉' + 'a'.repeat(66))).toMatchObject({ units: 134, segments: 3 });
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });
});

describe('SMS texts of every catalog', () => {
  it('bounds USSD_SERVICE_CODE to the worst case measured here', () => {
    expect(WORST.ussdCode).toMatch(USSD_SERVICE_CODE_FORMAT);
    expect(`${WORST.ussdCode.slice(0, -1)}1#`).not.toMatch(USSD_SERVICE_CODE_FORMAT);
    expect('*384*1#').toMatch(USSD_SERVICE_CODE_FORMAT);
  });

  const rows: { message: string; length: number; encoding: string; segments: number; text: string }[] = [];
  /** Counts `text` as an SMS, keeps its row for the printed table, and returns the count. */
  const measured = (message: string, text: string) => {
    const s = smsSegments(text);
    rows.push({ message, length: s.units, encoding: s.encoding, segments: s.segments, text });
    return s;
  };

  describe.each(LANGS)('%s', (lang) => {
    it.each(RESET_KINDS)('OTP SMS (%s) is one GSM-7 segment ending with the origin-bound line', (kind) => {
      const text = otpSms(lang, kind, WORST);
      const s = measured(`otpSms ${lang} ${kind}`, text);
      expect(isGsm7(text)).toBe(true);
      expect(s).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      expect(s.units).toBeLessThanOrEqual(160);
      expect(text.split('\n').at(-1)).toBe('@molam.id #000000');
    });

    it.each(RESET_KINDS)('confirmation SMS (%s) is one GSM-7 segment', (kind) => {
      const text = resetDoneSms(lang, kind);
      const s = measured(`resetDoneSms ${lang} ${kind}`, text);
      expect(s).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    });

    it.each(RESET_KINDS)('reply to a code sent back by SMS (%s) names the USSD code, in one GSM-7 segment', (kind) => {
      const text = codeAcceptedSms(lang, kind, WORST);
      const s = measured(`codeAcceptedSms ${lang} ${kind}`, text);
      expect(s).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      expect(text).toContain(WORST.ussdCode);
      expect(text).not.toMatch(/secret/i);
    });

    it.each(SMS_REPLIES)('reply to an inbound SMS (%s) is one GSM-7 segment', (reply) => {
      const text = smsReply(lang, reply);
      const s = measured(`smsReply ${lang} ${reply}`, text);
      expect(s).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      expect(text).not.toMatch(/secret/i);
    });
  });

  it('prints the message table', () => {
    expect(rows).toHaveLength(LANGS.length * (RESET_KINDS.length * 3 + SMS_REPLIES.length));
    const table = rows.map(
      (r) => `| ${r.message} | ${r.length} | ${r.encoding} | ${r.segments} | ${JSON.stringify(r.text)} |`,
    );
    console.log(['| message | length | encoding | segments | text |', '|---|---|---|---|---|', ...table].join('\n'));
  });
});
