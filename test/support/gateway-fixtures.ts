/**
 * Recorded-shape provider payloads, kept beside their gateway in
 * gateways/<kind>/fixtures/<name>.json (each names its sources). Names are
 * unique across kinds, so a test asks by name only.
 */
import { existsSync, readFileSync } from 'node:fs';

const KINDS = ['ussd', 'sms', 'email'] as const;

export function gatewayFixture<T>(name: string): T {
  for (const kind of KINDS) {
    const file = new URL(`../../gateways/${kind}/fixtures/${name}.json`, import.meta.url);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  }
  throw new Error(`no gateway fixture named ${name}`);
}
