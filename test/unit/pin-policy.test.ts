// Pure unit tests: the PIN policy is a plain function.
import { describe, expect, it } from 'vitest';
import { checkPinPolicy } from '../../src/security/pin-policy.js';
import type { SecretRejection } from '../../src/security/secret-rejection.js';

const rejected: [string, SecretRejection][] = [
  ['', 'format'],
  ['123', 'format'],
  ['1234567', 'format'],
  ['12a4', 'format'],
  [' 4821', 'format'],
  ['٤٨٢١', 'format'], // Arabic-Indic digits: not what a USSD keypad sends
  ['1111', 'repeated'],
  ['000000', 'repeated'],
  ['1212', 'repeated'],
  ['121212', 'repeated'],
  ['123123', 'repeated'],
  ['6969', 'repeated'], // also on the common list; the first matching reason wins
  ['1234', 'sequence'],
  ['9876', 'sequence'],
  ['012345', 'sequence'],
  ['543210', 'sequence'],
  ['34567', 'sequence'],
  ['8901', 'sequence'], // wrap-around: 0 follows 9 on the keypad's top row
  ['7890', 'sequence'],
  ['1098', 'sequence'],
  ['1004', 'common'],
  ['1122', 'common'],
  ['2580', 'common'],
  ['112233', 'common'],
  ['159753', 'common'],
  ['123321', 'common'],
  ['1900', 'common'], // years 1900–2099 are birth-year guesses
  ['1987', 'common'],
  ['2001', 'common'],
  ['2099', 'common'],
];

const accepted = ['4821', '1899', '2100', '7392', '0417', '58204', '830571', '19873', '405918'];

describe('checkPinPolicy', () => {
  it.each(rejected)('rejects %j as %s', (pin, reason) => {
    expect(checkPinPolicy(pin)).toBe(reason);
  });

  it.each(accepted)('accepts %j', (pin) => {
    expect(checkPinPolicy(pin)).toBeNull();
  });

  it('rejects a non-string at runtime as format', () => {
    expect(checkPinPolicy(1234 as unknown as string)).toBe('format');
  });
});
