/**
 * What the environment says before the schema reads it: secrets given as files
 * (NAME_FILE, the Docker/Kubernetes secrets and Vault-agent convention) and the
 * deployment guide's JWT_SECRET spelling of JWT_RESET_SECRET.
 */
import { readFileSync } from 'node:fs';

/** Variables that also accept NAME_FILE: the secrets, and the URLs that carry a password. */
export const FILE_BACKED = [
  'DATABASE_URL',
  'REDIS_URL',
  'AMQP_URL',
  'PEPPER',
  'JWT_RESET_SECRET',
  'JWT_SECRET',
  'AT_WEBHOOK_TOKEN',
  'HUBTEL_WEBHOOK_TOKEN',
  'AT_USERNAME',
  'AT_API_KEY',
  'TWILIO_SID',
  'TWILIO_TOKEN',
  'SIRA_SIGNING_SECRET',
] as const;

type Source = Record<string, string | undefined>;
const isSet = (v: string | undefined) => v !== undefined && v.trim() !== '';

/**
 * Returns `source` with NAME filled from the file NAME_FILE names, for each of `names`;
 * the file's trailing newline (what `echo` and most editors leave) is dropped.
 * Problems name the variable and the path, never the content.
 */
export function readSecretFiles(
  source: Source,
  names: readonly string[] = FILE_BACKED,
): { values: Source; problems: string[] } {
  const values: Source = { ...source };
  const problems: string[] = [];
  for (const name of names) {
    const file = source[`${name}_FILE`];
    if (!isSet(file)) continue;
    if (isSet(source[name])) {
      problems.push(`${name} and ${name}_FILE are both set: keep one`);
      continue;
    }
    try {
      values[name] = readFileSync(file!.trim(), 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file!.trim()} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { values, problems };
}

/** JWT_SECRET (the guide's hardening list) stands for JWT_RESET_SECRET; two different values are refused. */
export function applyJwtSecretAlias(values: Source): string[] {
  const alias = values.JWT_SECRET;
  if (!isSet(alias)) return [];
  if (isSet(values.JWT_RESET_SECRET)) {
    return values.JWT_RESET_SECRET!.trim() === alias!.trim()
      ? []
      : ['JWT_SECRET and JWT_RESET_SECRET are both set with different values: keep JWT_RESET_SECRET'];
  }
  values.JWT_RESET_SECRET = alias;
  return [];
}
