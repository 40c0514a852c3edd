/**
 * GSM 03.38 / 3GPP TS 23.038 default alphabet: which texts fit GSM-7 and how
 * many SMS segments a text costs.
 *
 * - Basic table: 128 characters, one septet each (§6.2.1). ESC (0x1B) is left
 *   out: it only introduces the extension table, no text contains it.
 * - Extension table (§6.2.1.1): form feed ^ { } \ [ ~ ] | €, two septets each
 *   (ESC + char).
 * - One segment: 160 septets (GSM-7) or 70 UTF-16 units (UCS-2); concatenated
 *   parts lose 7 septets / 3 units to the UDH: 153 / 67 per part
 *   (https://kb.smsalert.co.in/knowledgebase/calculate-sms-split-count/, cited in
 *   reference/telco-gateways.md §5). An escape pair or a surrogate pair is never
 *   split across two parts.
 */

const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ' + // 0x00–0x1F without 0x1B (ESC)
  ' !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';
const BASIC_SET = new Set(BASIC);
const EXTENSION_SET = new Set(['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€']);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** Septets a character costs in GSM-7, or 0 when it is not in the alphabet. */
function septets(char: string): number {
  if (BASIC_SET.has(char)) return 1;
  if (EXTENSION_SET.has(char)) return 2;
  return 0;
}

/** True when every character is in the GSM-7 basic or extension table. */
export function isGsm7(text: string): boolean {
  for (const char of text) if (septets(char) === 0) return false;
  return true;
}

/** Encoding, units and segment count of an SMS body. */
export function smsSegments(text: string): SmsSegments {
  const gsm = isGsm7(text);
  // Units per character: septets for GSM-7; UTF-16 units for UCS-2 (astral chars are 2).
  const costs = [...text].map((c) => (gsm ? septets(c) : c.length));
  const units = costs.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const part = gsm ? 153 : 67;
  if (units <= single) return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments: units === 0 ? 0 : 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > part) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments };
}
