/**
 * npm run doctor (node dist/doctor.js in the image): checks this environment
 * the way the guide's troubleshooting section does by hand — configuration,
 * PostgreSQL reachable and migrated, Redis reachable and not evicting, brokers
 * when enabled, providers' credentials present — prints the webhook URLs the
 * providers must be given, and what to fix. Exits 1 when something must be fixed.
 * Reads .env like the service; needs only what it checks; never prints a secret.
 */
import dotenv from 'dotenv';
import { readSecretFiles } from '../config-sources.js';
import type { CheckResult, CheckStatus } from '../doctor/check-result.js';
import { isProduction } from '../doctor/check-result.js';
import { checkBrokers, checkConfiguration, checkProviders, webhookUrls } from '../doctor/service-checks.js';
import { checkDatabase, checkRedis } from '../doctor/store-checks.js';

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

function format(r: CheckResult): string {
  const [first, ...rest] = r.detail.split('\n');
  const lines = [`  ${LABEL[r.status]}  ${r.name}: ${first}`, ...rest.map((l) => `              ${l}`)];
  if (r.fix && r.status !== 'ok') lines.push(`        fix: ${r.fix}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  const { values: env, problems } = readSecretFiles(process.env);
  const webhooks = webhookUrls(env);
  const results: CheckResult[] = [
    ...problems.map((p): CheckResult => ({
      name: 'secret files',
      status: 'fail',
      detail: p,
      fix: 'fix the NAME_FILE path, or set NAME only',
    })),
    checkConfiguration(process.env),
    ...(await Promise.all([checkDatabase(env), checkRedis(env)])),
    ...(await checkBrokers(env)),
    ...(await checkProviders(env)),
    webhooks.result,
  ];
  const out = [
    `molam-id-password-reset doctor (NODE_ENV=${env.NODE_ENV || 'production (unset)'}${isProduction(env) ? '' : ', not production'})`,
    ...results.map(format),
    '',
    'Webhook URLs to configure at the providers:',
    ...webhooks.lines.map((l) => `  ${l}`),
    '',
  ];
  const failures = results.filter((r) => r.status === 'fail').length;
  const warnings = results.filter((r) => r.status === 'warn').length;
  out.push(
    failures === 0
      ? `Nothing to fix${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}.`
      : `${failures} problem${failures > 1 ? 's' : ''} to fix${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`doctor failed: ${(err as Error).message}\n`);
    process.exitCode = 2;
  },
);
