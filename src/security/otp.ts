import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

const OTP_DIGITS = 6;
const OTP_PATTERN = /^[0-9]{6}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/i;
const DIGEST_BYTES = 32;

/** A fresh 6-digit one-time code from the CSPRNG, zero-padded ("004217"). */
export function generateOtp(): string {
  // randomInt is uniform over [0, 10^6) (rejection sampling, no modulo bias).
  return randomInt(0, 10 ** OTP_DIGITS)
    .toString()
    .padStart(OTP_DIGITS, '0');
}

/** HMAC-SHA256 (keyed by the pepper) of `${requestId}:${otp}`, hex: the only form an OTP is stored in. */
export function hashOtp(pepper: string, requestId: string, otp: string): string {
  // An empty key would turn the HMAC into a plain, brute-forceable hash of 10^6 codes.
  if (pepper.length === 0) throw new Error('OTP pepper must not be empty');
  // The request id inside the MAC binds the code to its request (ASVS 6.6.2):
  // a code leaked or stored for one request never matches another.
  return createHmac('sha256', pepper).update(`${requestId}:${otp}`).digest('hex');
}

/**
 * Whether `candidate` is the code behind `storedHash` for this request, in
 * constant time. Never throws on a malformed candidate or stored hash.
 */
export function otpMatches(pepper: string, requestId: string, candidate: string, storedHash: string): boolean {
  // Hash first, whatever the candidate looks like: the work done and the
  // compared lengths never depend on what the user typed.
  const candidateDigest = Buffer.from(hashOtp(pepper, requestId, String(candidate)), 'hex');
  const storedOk = typeof storedHash === 'string' && HASH_PATTERN.test(storedHash);
  // A malformed stored hash is compared against zeros so the code path stays the same.
  const storedDigest = storedOk ? Buffer.from(storedHash, 'hex') : Buffer.alloc(DIGEST_BYTES);
  const equal = timingSafeEqual(candidateDigest, storedDigest);
  // Format is checked after the compare: it only depends on the caller's own input.
  return equal && storedOk && OTP_PATTERN.test(candidate);
}
