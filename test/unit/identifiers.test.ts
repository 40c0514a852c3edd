/** Identifier normalization: pure. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePhone, parseIdentifier, phoneCountry, subscriberPhone } from '../../src/services/identifiers.js';
import { phoneLike } from '../fuzz/arbitraries.js';

// The cache must never change an answer: compare with the full parse, uncached, also after
// more distinct numbers than one cache generation holds (10,000) have gone through it.
const fullParse = (raw: string, country: string): string | null => {
  const digits = raw.replace(/[\s-]/g, '');
  const intl = /^\d{10,15}$/.test(digits) ? normalizePhone(`+${digits}`, country) : null;
  return (intl ?? normalizePhone(digits, country))?.e164 ?? null;
};
// Calling codes several countries share: the country comes from the national number's patterns.
const anyPhone = fc.oneof(phoneLike, fc.stringMatching(/^\+?(1|7|44|47|61|212|262|590|599)\d{6,12}$/));
const cachedOrNull = (raw: string, country: string): string | null => {
  try {
    return subscriberPhone(raw, country);
  } catch {
    return null;
  }
};

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

  it('answers as the full parse for provider-like and random numbers, twice', () => {
    fc.assert(
      fc.property(anyPhone, fc.constantFrom('SN', 'KE', 'CI', 'US'), (raw, country) => {
        const expected = fullParse(raw, country);
        expect(cachedOrNull(raw, country)).toBe(expected);
        expect(cachedOrNull(raw, country)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers as the full parse after 25,000 distinct numbers rolled the cache over', () => {
    const raws = Array.from({ length: 25_000 }, (_, i) => `22177${String(i * 397).padStart(7, '0')}`);
    for (const pass of [1, 2]) {
      for (const raw of raws) expect(cachedOrNull(raw, 'SN'), `${raw} pass ${pass}`).toBe(fullParse(raw, 'SN'));
    }
  });
});

describe('phoneCountry', () => {
  it('answers as normalizePhone, twice (cached), for provider-like and random numbers', () => {
    fc.assert(
      fc.property(anyPhone, fc.constantFrom('SN', 'KE', 'CI', 'US'), (phone, country) => {
        const expected = normalizePhone(phone, country)?.country ?? null;
        expect(phoneCountry(phone, country)).toBe(expected);
        expect(phoneCountry(phone, country)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('of a subscriber number (seeded by its parse) answers as normalizePhone of its E.164', () => {
    fc.assert(
      fc.property(anyPhone, fc.constantFrom('SN', 'KE', 'CI', 'US'), (raw, country) => {
        const e164 = cachedOrNull(raw, country);
        if (e164 !== null) expect(phoneCountry(e164, country)).toBe(normalizePhone(e164, country)?.country ?? null);
      }),
      { numRuns: 2000 },
    );
  });
});
