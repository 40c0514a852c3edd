/** Identifier normalization: pure. */
import { describe, expect, it } from 'vitest';
import { parseIdentifier, subscriberPhone } from '../../src/services/identifiers.js';

describe('parseIdentifier', () => {
  it.each([
    ['77 000 00 01', '+221770000001'],
    ['+221 77 000 00 01', '+221770000001'],
    ['00221770000001', '+221770000001'],
    ['+254 700 000 002', '+254700000002'],
    ['(+225) 07 07 07 07 07', '+2250707070707'],
  ])('normalizes %s to %s', (input, e164) => {
    expect(parseIdentifier(input, 'SN')).toMatchObject({ type: 'phone', value: e164 });
  });

  it('lowercases emails', () => {
    expect(parseIdentifier(' Awa.Ndiaye@Example.SN ', 'SN')).toEqual({ type: 'email', value: 'awa.ndiaye@example.sn' });
  });

  it.each(['hello', '123', '+999 1234', 'a@b', '@example.sn', ''])('refuses %j', (input) => {
    expect(parseIdentifier(input, 'SN')).toBeNull();
  });
});

describe('subscriberPhone', () => {
  it.each([
    ['254711000111', '+254711000111'],
    ['+254711000111', '+254711000111'],
    ['233246912184', '+233246912184'],
    ['77 000 00 01', '+221770000001'],
  ])('reads %s as %s, the same the second time (cached)', (raw, e164) => {
    expect(subscriberPhone(raw, 'SN')).toBe(e164);
    expect(subscriberPhone(raw, 'SN')).toBe(e164);
  });

  it('refuses a value that is not a subscriber number with invalid_payload, every time', () => {
    for (let i = 0; i < 2; i += 1)
      expect(() => subscriberPhone('hello', 'SN')).toThrow(/not a valid subscriber number/);
  });
});
