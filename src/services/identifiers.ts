/**
 * Turns what a person types (a phone number in any common local or
 * international format, or an email) into one canonical identifier.
 * libphonenumber-js knows every country's numbering plan; we don't.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { boundedMemo } from '../bounded-memo.js';
import { AppError } from '../errors.js';

export type Identifier =
  { type: 'phone'; value: string; country: string | undefined } | { type: 'email'; value: string };

const emailSchema = z.email();

/** E.164 for a valid phone number, else null. */
export function normalizePhone(
  input: string,
  defaultCountry: string,
): { e164: string; country: string | undefined } | null {
  const cleaned = input.trim().replace(/^00/, '+');
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  return { e164: parsed.number, country: parsed.country };
}

/** The canonical identifier, or null when the input is neither a valid phone number nor an email. */
export function parseIdentifier(input: string, defaultCountry: string): Identifier | null {
  const trimmed = input.trim();
  if (trimmed.includes('@')) {
    const email = trimmed.toLowerCase();
    return emailSchema.safeParse(email).success ? { type: 'email', value: email } : null;
  }
  const phone = normalizePhone(trimmed, defaultCountry);
  return phone ? { type: 'phone', value: phone.e164, country: phone.country } : null;
}

const COUNTRY_SEPARATOR = ':';
const keyOf = (defaultCountry: string, raw: string) => `${defaultCountry}${COUNTRY_SEPARATOR}${raw}`;
const splitKey = (key: string) => {
  const at = key.indexOf(COUNTRY_SEPARATOR);
  return [key.slice(0, at), key.slice(at + 1)] as const;
};

// A first dial of a caller Postgres does not know reads the country from the number (policy, language).
const countryOf = boundedMemo((key) => {
  const [defaultCountry, phone] = splitKey(key);
  return normalizePhone(phone, defaultCountry)?.country ?? null;
});

/** The country of a phone number (as normalizePhone reads it), null when none. */
export const phoneCountry = (phone: string, defaultCountry: string): string | null =>
  countryOf.get(keyOf(defaultCountry, phone));

// Every hop carries the caller's number: parsing it (libphonenumber, ~3.5 µs) once per
// number instead of once per hop is a measurable share of a hop (npm run bench profile).
const subscriberOf = boundedMemo((key): string | null => {
  const [defaultCountry, raw] = splitKey(key);
  const digits = raw.replace(/[\s-]/g, '');
  const parsed =
    (/^\d{10,15}$/.test(digits) ? normalizePhone(`+${digits}`, defaultCountry) : null) ??
    normalizePhone(digits, defaultCountry);
  if (!parsed) return null;
  // The parse already knows the country: the caller's first dial needs it (its E.164 reads the same).
  countryOf.remember(keyOf(defaultCountry, parsed.e164), parsed.country ?? null);
  return parsed.e164;
});

/** Telcos send 2547..., +2547... or a local number: accept each when it is a valid number. */
export function subscriberPhone(raw: string, defaultCountry: string): string {
  const e164 = subscriberOf.get(keyOf(defaultCountry, raw));
  if (e164 === null) throw new AppError('invalid_payload', 'phone number is not a valid subscriber number');
  return e164;
}
