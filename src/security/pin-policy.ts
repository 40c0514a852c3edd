import type { SecretRejection } from './secret-rejection.js';

// USSD keypads give ASCII digits; 4 is the mobile-money norm, 6 the NIST floor.
const PIN_FORMAT = /^[0-9]{4,6}$/;

/**
 * The most chosen PINs (DataGenetics 4-digit top 20; frequent 5- and 6-digit
 * PINs from leaked-PIN lists) plus keypad shapes (2580 is the middle column).
 * Entries that are repeats or runs are caught earlier and listed only for reading.
 */
// prettier-ignore
export const COMMON_PINS: ReadonlySet<string> = new Set([
  // 4 digits, DataGenetics order
  '1234', '1111', '0000', '1212', '7777', '1004', '2000', '4444', '2222', '6969',
  '9999', '3333', '5555', '6666', '1122', '1313', '8888', '4321', '2001', '1010',
  // 4 digits, keypad shapes and steps of two
  '2580', '0852', '1357', '2468', '1379', '1397', '7531', '8642',
  // 5 digits
  '12345', '54321', '11111', '12321', '55555', '00000',
  // 6 digits
  '123456', '654321', '111111', '000000', '123123', '121212', '112233', '159753',
  '696969', '666666', '123321', '147258', '258369', '159357', '147852', '789456',
  '102030', '112358', '520520', '131313', '101010', '246810', '369369', '202020',
]);

/**
 * Why `pin` may not be chosen, or null when it may. Checks, in this order:
 * format (4–6 ASCII digits), repeated, sequence, common (list and 4-digit
 * years 1900–2099). Reuse of recent PINs needs history and is checked by the
 * credentials service.
 */
export function checkPinPolicy(pin: string): SecretRejection | null {
  if (typeof pin !== 'string' || !PIN_FORMAT.test(pin)) return 'format';
  if (isRepeated(pin)) return 'repeated';
  if (isRun(pin)) return 'sequence';
  if (COMMON_PINS.has(pin) || isYear(pin)) return 'common';
  return null;
}

/** 1111, 1212, 121212, 123123: the PIN is a shorter block written again and again. */
function isRepeated(pin: string): boolean {
  for (let period = 1; period <= pin.length / 2; period++) {
    if (pin.length % period === 0 && pin.slice(0, period).repeat(pin.length / period) === pin) return true;
  }
  return false;
}

/**
 * Every digit one up (1234, 012345) or one down (9876, 543210) from the one
 * before. Decision: 0 follows 9 (8901, 7890, 0987), as on the keypad's top row
 * "1234567890"; it costs 20 of 10,000 four-digit PINs and removes typed runs.
 */
function isRun(pin: string): boolean {
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i++) {
    steps.add((pin.charCodeAt(i) - pin.charCodeAt(i - 1) + 10) % 10);
  }
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}

/** Birth years are the classic guess for a known victim (mobile-money practice bans them). */
function isYear(pin: string): boolean {
  if (pin.length !== 4) return false;
  const year = Number(pin);
  return year >= 1900 && year <= 2099;
}
