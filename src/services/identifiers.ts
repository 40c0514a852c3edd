/**
 * Turns what a person types (a phone number in any common local or
 * international format, or an email) into one canonical identifier.
 * libphonenumber-js knows every country's numbering plan; we don't.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
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

// Every hop carries the caller's number: parsing it (libphonenumber, ~3.5 µs) once per
// number instead of once per hop is a measurable share of a hop (npm run bench profile).
// Two generations instead of evicting the oldest key one by one: deleting from the front of a
// Map leaves holes that `keys().next()` walks past, which cost more than the parse (bench/hop-cpu.ts).
const SUBSCRIBER_CACHE_GENERATION = 10_000;
let recentSubscribers = new Map<string, string>();
let olderSubscribers = new Map<string, string>();

function cachedSubscriber(key: string): string | undefined {
  return recentSubscribers.get(key) ?? olderSubscribers.get(key);
}

function rememberSubscriber(key: string, e164: string): void {
  if (recentSubscribers.size >= SUBSCRIBER_CACHE_GENERATION) {
    olderSubscribers = recentSubscribers;
    recentSubscribers = new Map();
  }
  recentSubscribers.set(key, e164);
}

/** Telcos send 2547..., +2547... or a local number: accept each when it is a valid number. */
export function subscriberPhone(raw: string, defaultCountry: string): string {
  const key = `${defaultCountry}:${raw}`;
  const cached = cachedSubscriber(key);
  if (cached) return cached;
  const digits = raw.replace(/[\s-]/g, '');
  const parsed =
    (/^\d{10,15}$/.test(digits) ? normalizePhone(`+${digits}`, defaultCountry) : null) ??
    normalizePhone(digits, defaultCountry);
  if (!parsed) throw new AppError('invalid_payload', 'phone number is not a valid subscriber number');
  rememberSubscriber(key, parsed.e164);
  return parsed.e164;
}
