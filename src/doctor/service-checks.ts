/**
 * The doctor's checks of what sits around the stores: the configuration as
 * `npm start` reads it, the event brokers when enabled, the providers'
 * credentials (present, never printed), and the webhook URLs each provider
 * must be given.
 */
import net from 'node:net';
import { connect as amqpConnect } from 'amqplib';
import { SESClient } from '@aws-sdk/client-ses';
import { ConfigError, loadConfig } from '../config.js';
import { hostOf, isProduction, isSet, reasonOf, within, type CheckResult, type DoctorEnv } from './check-result.js';

const TIMEOUT_MS = 3000;
const enabled = (v: string | undefined) => v === 'true' || v === '1' || v === 'yes';

/** What `npm start` would refuse, named as it names it (the problems never hold a value). */
export function checkConfiguration(source: DoctorEnv): CheckResult {
  try {
    loadConfig(source);
    return { name: 'configuration', status: 'ok', detail: 'npm start accepts it' };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      name: 'configuration',
      status: 'fail',
      detail: `npm start would refuse:\n${err.problems.map((p) => `- ${p}`).join('\n')}`,
      fix: 'set or correct the variables named above (see .env.example)',
    };
  }
}

function tcpReachable(host: string, port: number): Promise<void> {
  return within(
    TIMEOUT_MS,
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', (err) => {
        socket.destroy();
        reject(err);
      });
    }),
  );
}

export async function checkBrokers(env: DoctorEnv): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (enabled(env.AMQP_ENABLED)) {
    const name = 'rabbitmq';
    if (!isSet(env.AMQP_URL))
      results.push({
        name,
        status: 'fail',
        detail: 'AMQP_ENABLED=true without AMQP_URL',
        fix: 'set AMQP_URL=amqp://user:password@rabbitmq:5672',
      });
    else {
      try {
        const connection = await within(TIMEOUT_MS, amqpConnect(env.AMQP_URL));
        await connection.close();
        results.push({ name, status: 'ok', detail: `${hostOf(env.AMQP_URL)} accepts the connection` });
      } catch (err) {
        results.push({
          name,
          status: 'fail',
          detail: `${hostOf(env.AMQP_URL)}: ${reasonOf(err)}`,
          fix: 'check AMQP_URL (host, credentials, vhost); events wait in the outbox until the broker answers',
        });
      }
    }
  }
  if (enabled(env.KAFKA_ENABLED)) {
    const brokers = (env.KAFKA_BROKERS ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (brokers.length === 0)
      results.push({
        name: 'kafka',
        status: 'fail',
        detail: 'KAFKA_ENABLED=true without KAFKA_BROKERS',
        fix: 'set KAFKA_BROKERS=kafka1:9092,kafka2:9092',
      });
    for (const broker of brokers) {
      const [host = '', port = '9092'] = broker.split(':');
      try {
        await tcpReachable(host, Number(port));
        results.push({ name: 'kafka', status: 'ok', detail: `${broker} accepts TCP connections` });
      } catch (err) {
        results.push({
          name: 'kafka',
          status: 'fail',
          detail: `${broker}: ${reasonOf(err)}`,
          fix: 'check KAFKA_BROKERS and the network path to each broker',
        });
      }
    }
  }
  if (results.length === 0)
    results.push({ name: 'brokers', status: 'skip', detail: 'AMQP_ENABLED and KAFKA_ENABLED are off' });
  return results;
}

/** Variables that must come together (credentials, then what they need beside); only names are reported. */
const PROVIDERS: { name: string; vars: string[]; needs: string[] }[] = [
  { name: "sms: Africa's Talking", vars: ['AT_USERNAME', 'AT_API_KEY'], needs: [] },
  // Twilio signs its webhooks over the public URL, and status callbacks go to it.
  { name: 'sms: Twilio', vars: ['TWILIO_SID', 'TWILIO_TOKEN', 'TWILIO_PHONE'], needs: ['PUBLIC_BASE_URL'] },
];

export async function checkProviders(env: DoctorEnv, awsCredentials = defaultAwsCredentials): Promise<CheckResult[]> {
  const results: CheckResult[] = PROVIDERS.map(({ name, vars, needs }): CheckResult => {
    if (!vars.some((v) => isSet(env[v]))) return { name, status: 'skip', detail: 'not configured' };
    const missing = [...vars, ...needs].filter((v) => !isSet(env[v]));
    return missing.length === 0
      ? { name, status: 'ok', detail: `${[...vars, ...needs].join(', ')} set` }
      : {
          name,
          status: 'fail',
          detail: `${vars.filter((v) => !missing.includes(v)).join(', ')} set, but not ${missing.join(', ')}`,
          fix: `set ${missing.join(', ')}`,
        };
  });
  if (isProduction(env) && results.every((r) => r.status === 'skip')) {
    results.push({
      name: 'sms',
      status: 'fail',
      detail: 'no SMS provider configured',
      fix: 'set AT_USERNAME + AT_API_KEY and/or TWILIO_SID + TWILIO_TOKEN + TWILIO_PHONE',
    });
  }
  results.push(await checkEmail(env, awsCredentials));
  if (enabled(env.SIRA_ENABLED)) {
    const missing = ['SIRA_WEBHOOK_URL', 'SIRA_SIGNING_SECRET'].filter((v) => !isSet(env[v]));
    results.push(
      missing.length === 0
        ? { name: 'sira', status: 'ok', detail: 'SIRA_WEBHOOK_URL and SIRA_SIGNING_SECRET set' }
        : {
            name: 'sira',
            status: 'fail',
            detail: `SIRA_ENABLED=true without ${missing.join(', ')}`,
            fix: `set ${missing.join(', ')}`,
          },
    );
  }
  return results;
}

/** Where the SDK's default chain finds credentials (env, files, web identity, instance role); the source only. */
async function defaultAwsCredentials(region: string): Promise<void> {
  const client = new SESClient({ region });
  try {
    await within(TIMEOUT_MS, client.config.credentials());
  } finally {
    client.destroy();
  }
}

async function checkEmail(env: DoctorEnv, awsCredentials: (region: string) => Promise<void>): Promise<CheckResult> {
  const name = 'email: Amazon SES';
  const region = isSet(env.SES_REGION) ? env.SES_REGION : isProduction(env) ? 'us-east-1' : undefined;
  if (!region || region === 'off')
    return {
      name,
      status: 'skip',
      detail:
        region === 'off'
          ? 'SES_REGION=off: email codes refused'
          : 'SES_REGION unset outside production: the dev console',
    };
  try {
    await awsCredentials(region);
    return {
      name,
      status: 'ok',
      detail: `region ${region}${isSet(env.SES_REGION) ? '' : ' (default)'}; AWS credentials found by the default chain`,
    };
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: `region ${region}${isSet(env.SES_REGION) ? '' : ' (default)'}; no AWS credentials (${reasonOf(err)}): every email code would fail to send`,
      fix: 'give the pod an IAM role (IRSA) or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY; or SES_REGION=off to refuse email resets',
    };
  }
}

/** The URLs to paste into each provider's console; tokens shown as <NAME>, never their value. */
export function webhookUrls(env: DoctorEnv): { lines: string[]; result: CheckResult } {
  const base = isSet(env.PUBLIC_BASE_URL) ? env.PUBLIC_BASE_URL.replace(/\/+$/, '') : '<PUBLIC_BASE_URL>';
  const at = isSet(env.AT_WEBHOOK_TOKEN) ? '?token=<AT_WEBHOOK_TOKEN>' : '';
  const lines = [
    `Africa's Talking USSD callback:         ${base}/gateways/africastalking/ussd${at}`,
    `Africa's Talking USSD events:           ${base}/gateways/africastalking/ussd/events${at}`,
    `Africa's Talking SMS inbound:           ${base}/gateways/africastalking/sms/inbound${at}`,
    `Africa's Talking SMS delivery reports:  ${base}/gateways/africastalking/sms/delivery${at}`,
  ];
  if (isSet(env.HUBTEL_WEBHOOK_TOKEN))
    lines.push(`Hubtel USSD:                            ${base}/gateways/hubtel/ussd?token=<HUBTEL_WEBHOOK_TOKEN>`);
  if (isSet(env.TWILIO_SID)) {
    lines.push(`Twilio number, "A message comes in":    ${base}/gateways/twilio/sms/inbound (POST; signed, no token)`);
    lines.push(`Twilio status callbacks:                set by the service itself: ${base}/gateways/twilio/sms/status`);
  }
  const result: CheckResult = isSet(env.PUBLIC_BASE_URL)
    ? {
        name: 'webhooks',
        status: /^https:\/\//.test(base) || !isProduction(env) ? 'ok' : 'warn',
        detail: `providers call ${base}`,
        ...(/^https:\/\//.test(base) ? {} : { fix: 'providers should call an https:// URL (TLS at the ingress)' }),
      }
    : {
        name: 'webhooks',
        status: 'warn',
        detail: 'PUBLIC_BASE_URL unset: the URLs below show <PUBLIC_BASE_URL>',
        fix: 'set PUBLIC_BASE_URL to the https URL providers call (required with Twilio)',
      };
  if (isProduction(env) && !isSet(env.AT_WEBHOOK_TOKEN)) {
    return {
      lines,
      result: {
        name: 'webhooks',
        status: 'fail',
        detail: 'AT_WEBHOOK_TOKEN unset: production refuses to start',
        fix: 'set AT_WEBHOOK_TOKEN (>= 32 characters) and put it in the callback URLs as ?token=',
      },
    };
  }
  return { lines, result };
}
