/** Environments for the configuration tests: everything production requires, and a way to read the refusals. */
import { ConfigError, loadConfig } from '../../src/config.js';

/** Everything production requires, each secret long enough. */
export const productionEnv = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://x@db/molam_id',
  REDIS_URL: 'redis://cache:6379',
  PEPPER: 'p'.repeat(40),
  JWT_RESET_SECRET: 'j'.repeat(40),
  AT_WEBHOOK_TOKEN: 'a'.repeat(32),
  AT_USERNAME: 'molam',
  AT_API_KEY: 'key',
};

/** The problems loadConfig lists for env, one per line ('' when it accepts it). */
export function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as ConfigError).problems.join('\n');
  }
  return '';
}
