/**
 * POST /v1/reset/start for known and unknown phones, interleaved in a random
 * order, one at a time. No limit may answer instead of the code path under
 * test: each identifier is used once (5 starts per identifier per hour),
 * X-Forwarded-For changes every request (TRUST_PROXY=true; 30 per IP per
 * hour), and the numbers are spread over four countries (2,000 SMS per
 * country per hour), none of them Senegal, which the USSD scenarios use.
 */
import http from 'node:http';
import { randomInt } from 'node:crypto';
import { mannWhitney, median, pcts, post } from '../lib.js';
import type { Target } from './hops.js';

const COUNTRIES = [
  ['CI', '+22507', 8],
  ['KE', '+25471', 7],
  ['GH', '+23324', 7],
  ['ML', '+22376', 6],
] as const;
const UNKNOWN_FROM = 400_000;

/** The k-th identifier: countries in turn, valid mobile numbers of each. */
export function enumPhone(k: number) {
  const [country, prefix, digits] = COUNTRIES[k % COUNTRIES.length]!;
  return { country, phone: `${prefix}${String(Math.floor(k / COUNTRIES.length)).padStart(digits, '0')}` };
}

/** The users behind the known identifiers (inserted by the bench's setup). */
export const enumerationUsers = (n: number) => Array.from({ length: n }, (_, k) => enumPhone(k));

export async function enumeration(t: Target, o: { each: number; warmup: number }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const pairs = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => [
      { known: true, id: enumPhone(from + i).phone },
      { known: false, id: enumPhone(UNKNOWN_FROM + from + i).phone },
    ]).flat();
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  // Warm-up requests first (not counted), then the measured ones in a random order.
  const items = [...shuffle(pairs(0, o.warmup)), ...shuffle(pairs(o.warmup, o.each))];
  const known: number[] = [];
  const unknown: number[] = [];
  let bad = 0;
  for (const [i, item] of items.entries()) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const r = await post(
      `${t.url}/v1/reset/start`,
      JSON.stringify({ kind: 'password', identifier: item.id }),
      'application/json',
      { 'x-forwarded-for': ip },
      agent,
    );
    if (r.status !== 202) bad++;
    if (i >= 2 * o.warmup) (item.known ? known : unknown).push(r.ms);
  }
  agent.destroy();
  const mk = median(known),
    mu = median(unknown);
  const test = mannWhitney(known, unknown);
  const diffPct = ((mk - mu) / mu) * 100;
  return {
    n: known.length,
    bad,
    knownMedianMs: mk,
    unknownMedianMs: mu,
    knownP95Ms: pcts(known).p95,
    unknownP95Ms: pcts(unknown).p95,
    diffPct,
    z: test.z,
    p: test.p,
    indistinguishable: test.p > 0.01 && Math.abs(diffPct) < 5,
  };
}
