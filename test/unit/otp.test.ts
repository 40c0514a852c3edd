// Pure unit tests: node:crypto only, nothing mocked.
import { describe, expect, it } from 'vitest';
import { generateOtp, hashOtp, otpMatches } from '../../src/security/otp.js';

const PEPPER = 'test-pepper-0123456789abcdef0123456789';
const REQUEST = '5f0c8a52-8a61-4d0e-9a55-0d3f3c2b7e11';

describe('generateOtp', () => {
  it('always gives six digits and uses every digit in every position over 10k codes', () => {
    const seen = Array.from({ length: 6 }, () => new Set<string>());
    for (let i = 0; i < 10_000; i++) {
      const otp = generateOtp();
      expect(otp).toMatch(/^[0-9]{6}$/);
      [...otp].forEach((digit, position) => seen[position]!.add(digit));
    }
    for (const digits of seen) expect(digits.size).toBe(10);
  });

  it('rarely repeats a code within 10k draws', () => {
    const codes = new Set(Array.from({ length: 10_000 }, generateOtp));
    // Birthday bound: ~50 collisions expected among 10^6 values; far fewer distinct would mean a bias.
    expect(codes.size).toBeGreaterThan(9_800);
  });
});

describe('hashOtp', () => {
  it('stores a 64-character hex HMAC, not the code', () => {
    const hash = hashOtp(PEPPER, REQUEST, '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('123456');
  });

  it('binds the code to its request and to the pepper', () => {
    const hash = hashOtp(PEPPER, REQUEST, '123456');
    expect(hashOtp(PEPPER, 'another-request', '123456')).not.toBe(hash);
    expect(hashOtp('another-pepper', REQUEST, '123456')).not.toBe(hash);
  });

  it('refuses an empty pepper', () => {
    expect(() => hashOtp('', REQUEST, '123456')).toThrow(/pepper/);
  });
});

describe('otpMatches', () => {
  const stored = hashOtp(PEPPER, REQUEST, '042917');

  it('accepts the right code for its request', () => {
    expect(otpMatches(PEPPER, REQUEST, '042917', stored)).toBe(true);
  });

  it('rejects a wrong code, the right code for another request, and another pepper', () => {
    expect(otpMatches(PEPPER, REQUEST, '042918', stored)).toBe(false);
    expect(otpMatches(PEPPER, 'another-request', '042917', stored)).toBe(false);
    expect(otpMatches('another-pepper', REQUEST, '042917', stored)).toBe(false);
  });

  it('returns false without throwing on a garbage candidate', () => {
    for (const candidate of ['', '42917', '0429170', 'abcdef', ' 042917', '٠٤٢٩١٧', 'x'.repeat(10_000)]) {
      expect(otpMatches(PEPPER, REQUEST, candidate, stored)).toBe(false);
    }
    expect(otpMatches(PEPPER, REQUEST, undefined as unknown as string, stored)).toBe(false);
  });

  it('returns false without throwing on a malformed stored hash', () => {
    for (const bad of ['', 'zz', stored.slice(0, 63), `${stored}00`, 'g'.repeat(64), null]) {
      expect(otpMatches(PEPPER, REQUEST, '042917', bad as string)).toBe(false);
    }
  });

  it('accepts an upper-case copy of the stored hex', () => {
    expect(otpMatches(PEPPER, REQUEST, '042917', stored.toUpperCase())).toBe(true);
  });
});
