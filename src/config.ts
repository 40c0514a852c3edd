/**
 * Configuration: parsed once from the environment with a schema, frozen, typed.
 * Nothing else in the service reads process.env.
 */
import { z } from 'zod';
import { USSD_GATEWAYS } from '../gateways/ussd/registry.js';
import { applyJwtSecretAlias, FILE_BACKED, readSecretFiles } from './config-sources.js';
import { rateLimitsFromEnv, type Limits } from './services/rate-limits.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** Trusted proxy hops in front of the service; "true"/"false" (the old boolean form) mean 1 and 0. */
const proxyHops = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' || v === 'false' ? '0' : v === 'true' ? '1' : v.trim()))
  .pipe(
    z
      .string()
      .regex(/^\d{1,2}$/, 'a number of proxy hops (0, 1, 2, ...); "true" = 1, "false" = 0')
      .transform(Number),
  );

/** *<service>[*<digits>...]# (3GPP TS 22.030 §6.5.3), at most 21 characters. */
export const USSD_SERVICE_CODE_FORMAT = /^\*\d{2,4}(\*\d{1,4}){0,3}#$/;

const envSchema = z.object({
  // Unset means production: development and test are asked for (npm run dev, the tests).
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  PORT: int(8085, 0, 65535),
  HOST: optionalText,
  METRICS_PORT: optionalText.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  METRICS_HOST: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: proxyHops,

  DATABASE_URL: optionalText,
  REDIS_URL: optionalText,
  REDIS_CLUSTER_NODES: optionalText.pipe(
    z
      .string()
      .regex(/^[\w.-]+:\d{1,5}(\s*,\s*[\w.-]+:\d{1,5})*$/, 'expected host:port[,host:port...]')
      .optional(),
  ),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]*$/)
    .default('molam:reset:'),
  PGLITE_DATA_DIR: optionalText,
  MIGRATE_ON_START: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),

  PEPPER: optionalText,
  JWT_RESET_SECRET: optionalText,
  OTP_TTL_SECONDS: int(300, 60, 600),
  RESET_TOKEN_TTL_SECONDS: int(600, 60, 1800),
  BCRYPT_COST: int(12, 10, 15),
  DEFAULT_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('SN'),
  OTP_SMS_DOMAIN: z.string().default('molam.id'),
  EMAIL_FROM: z.string().default('noreply@molam.id'),

  USSD_HOP_DEADLINE_MS: int(5000, 500, 15000),
  // Named in SMS texts ("Dial *384*1# to..."); bounded so every SMS stays one segment (test/gateways/gsm7.test.ts).
  USSD_SERVICE_CODE: z
    .string()
    .regex(USSD_SERVICE_CODE_FORMAT, 'a USSD service code such as *384*1#')
    .default('*384*1#'),
  AT_WEBHOOK_TOKEN: optionalText,
  // One per USSD gateway descriptor (gateways/ussd/registry.ts names the variable).
  HUBTEL_WEBHOOK_TOKEN: optionalText,
  ARKESEL_WEBHOOK_TOKEN: optionalText,
  NALO_WEBHOOK_TOKEN: optionalText,
  USSD_KNOWLEDGE_CHECK: z
    .string()
    .regex(/^$|^[A-Z]{2}:(birth_year|id_last4)(,[A-Z]{2}:(birth_year|id_last4))*$/, 'e.g. KE:id_last4,SN:birth_year')
    .default(''),

  TWILIO_SID: optionalText,
  TWILIO_TOKEN: optionalText,
  TWILIO_PHONE: optionalText,
  TWILIO_API_BASE_URL: optionalText,
  AT_USERNAME: optionalText,
  AT_API_KEY: optionalText,
  AT_SENDER_ID: optionalText,
  AT_API_BASE_URL: optionalText,
  SMS_ROUTES: optionalText,
  SMS_ALLOWED_COUNTRIES: z
    .string()
    .regex(/^$|^[A-Z]{2}(,[A-Z]{2})*$/, 'comma-separated ISO country codes, e.g. SN,CI,KE')
    .default(''),
  // Unset = the guide's us-east-1 in production (email on, AWS default credential chain); "off" = no email.
  SES_REGION: optionalText,
  SES_ENDPOINT: optionalText,
  PUBLIC_BASE_URL: optionalText,

  KAFKA_ENABLED: bool,
  KAFKA_BROKERS: optionalText,
  KAFKA_CLIENT_ID: z.string().default('molam-id-password-reset'),
  KAFKA_TOPIC: z
    .string()
    .regex(/^[\w.-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_", "-"')
    .default('molam.id.events'),
  // Unset: the cluster's num.partitions / default.replication.factor.
  KAFKA_TOPIC_PARTITIONS: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1).max(10_000).optional()),
  KAFKA_TOPIC_REPLICATION: optionalText.pipe(z.coerce.number<string | undefined>().int().min(1).max(32).optional()),
  KAFKA_SASL_MECHANISM: optionalText.pipe(z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).optional()),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
  KAFKA_TLS: bool,
  AMQP_ENABLED: bool,
  AMQP_URL: optionalText,
  SIM_SWAP_API_URL: optionalText,
  SIM_SWAP_MAX_AGE_HOURS: int(72, 1, 2400),
  SIM_SWAP_UNKNOWN_POLICY: z.enum(['allow', 'refuse']).default('allow'),
  SIRA_ENABLED: bool,
  SIRA_WEBHOOK_URL: optionalText,
  SIRA_SIGNING_SECRET: optionalText,
  SIRA_THRESHOLD_OTP_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.4),

  // Retention purge (src/retention). Reset requests stay >= 31 days: the 30-day cap on completed resets counts them.
  RESET_REQUEST_RETENTION_DAYS: int(90, 31, 3650),
  OUTBOUND_MESSAGE_RETENTION_DAYS: int(30, 7, 3650),
  OUTBOX_RETENTION_DAYS: int(7, 1, 3650),
  PURGE_INTERVAL_HOURS: int(24, 0, 168),
});

type Env = z.infer<typeof envSchema>;

/** Fixed, public development secrets: only ever used outside production. */
const DEV_PEPPER = 'dev-only-pepper-do-not-use-in-production-000000';
const DEV_JWT_SECRET = 'dev-only-jwt-reset-secret-do-not-use-in-production';
const MIN_SECRET_LENGTH = 32;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  port: number;
  /** Production listens on every interface; development and test on loopback only, unless HOST says otherwise. */
  host: string;
  /** A second listener serving only /metrics; undefined = /metrics on the main listener. */
  metrics: { port: number; host: string } | undefined;
  logLevel: Env['LOG_LEVEL'];
  /** Proxies in front of the service: the client IP is the X-Forwarded-For entry this many hops from the right. */
  proxyHops: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Seed nodes of a Redis Cluster; when set, the store uses the cluster instead of REDIS_URL. */
  redisClusterNodes: readonly { host: string; port: number }[] | undefined;
  /** Prefix of every Redis key (several services or test suites can share one Redis). */
  redisKeyPrefix: string;
  pgliteDataDir: string | undefined;
  migrateOnStart: boolean;
  pepper: string;
  jwtResetSecrets: readonly string[];
  otpTtlSeconds: number;
  resetTokenTtlSeconds: number;
  bcryptCost: number;
  defaultCountry: string;
  otpSmsDomain: string;
  emailFrom: string;
  ussdHopDeadlineMs: number;
  /** The USSD code users dial to reach this service, e.g. *384*1#. */
  ussdServiceCode: string;
  atWebhookToken: string | undefined;
  /** Secret expected as ?token= on each USSD gateway's webhooks, by the variable its descriptor names. */
  ussdWebhookTokens: Readonly<Record<string, string | undefined>>;
  /** Country → question asked before a USSD reset (when the user has an answer on file). */
  ussdKnowledgePolicy: ReadonlyMap<string, 'birth_year' | 'id_last4'>;
  twilio: { sid: string; token: string; phone: string; baseUrl: string | undefined } | undefined;
  africasTalking:
    { username: string; apiKey: string; senderId: string | undefined; baseUrl: string | undefined } | undefined;
  ses: { region: string; endpoint: string | undefined } | undefined;
  /** SMS provider order per country prefix; undefined = every configured provider, Africa's Talking first. */
  smsRoutes: string | undefined;
  /** Countries whose numbers may receive codes; empty = all. */
  smsAllowedCountries: ReadonlySet<string>;
  /** Public URL of this service as providers call it (Twilio signs it). */
  publicBaseUrl: string | undefined;
  kafka: {
    enabled: boolean;
    brokers: readonly string[];
    clientId: string;
    topic: { name: string; partitions: number | undefined; replication: number | undefined };
    sasl: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string } | undefined;
    tls: boolean;
  };
  amqp: { enabled: boolean; url: string | undefined };
  /** CAMARA SIM Swap check before an SMS code; an unanswered check is "unknown", and policy decides. */
  simSwap: { url: string | undefined; maxAgeHours: number; unknownPolicy: 'allow' | 'refuse' };
  sira: {
    enabled: boolean;
    webhookUrl: string | undefined;
    signingSecret: string | undefined;
    otpFailureRateThreshold: number;
  };
  /** Days kept before the purge deletes a row; the in-process purge runs every purgeIntervalHours (0 = never). */
  retention: { resetRequestDays: number; outboundMessageDays: number; outboxDays: number; purgeIntervalHours: number };
  /** Limits set by RATE_LIMIT_<NAME>; the others keep DEFAULT_LIMITS. */
  rateLimits: Readonly<Partial<Limits>>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Settings that may be given as NAME_FILE: the fixed secrets, and every registered USSD gateway's token. */
export const SECRET_FILE_SETTINGS: readonly string[] = [
  ...new Set([...FILE_BACKED, ...USSD_GATEWAYS.map((g) => g.token.env)]),
];

/** A gateway's token variable, checked against the schema: a descriptor naming an unknown variable fails loudly. */
function tokenVariable(name: string): keyof Env & `${string}_WEBHOOK_TOKEN` {
  if (!(name in envSchema.shape) || !name.endsWith('_WEBHOOK_TOKEN')) {
    throw new Error(`USSD gateway token ${name} is not a *_WEBHOOK_TOKEN setting of src/config.ts`);
  }
  return name as keyof Env & `${string}_WEBHOOK_TOKEN`;
}

const splitList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Production refuses to start on a missing secret or service: collect every problem at once. */
function productionProblems(env: Env): string[] {
  const problems: string[] = [];
  const need = (name: keyof Env, why: string) => {
    if (!env[name]) problems.push(`${name} is required in production (${why})`);
  };
  need('DATABASE_URL', 'PostgreSQL connection string');
  if (!env.REDIS_URL && !env.REDIS_CLUSTER_NODES)
    problems.push(
      'REDIS_URL or REDIS_CLUSTER_NODES is required in production (Redis connection string, or the Redis Cluster seed nodes host:port,...)',
    );
  need('PEPPER', 'OTP and credential pepper, from a KMS/Vault');
  need('JWT_RESET_SECRET', 'reset-token signing secret(s), comma-separated, first one signs; JWT_SECRET is read too');
  for (const { name, token } of USSD_GATEWAYS) {
    if (token.inProduction === 'required') need(tokenVariable(token.env), `secret token expected on ${name} webhooks`);
  }
  if (env.PEPPER === DEV_PEPPER) problems.push('PEPPER must not be the development default');
  if (splitList(env.JWT_RESET_SECRET).includes(DEV_JWT_SECRET))
    problems.push('JWT_RESET_SECRET must not contain the development default');
  for (const name of ['PEPPER', ...USSD_GATEWAYS.map((g) => tokenVariable(g.token.env))] as const) {
    const value = env[name];
    if (value && value.length < MIN_SECRET_LENGTH)
      problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (env.BCRYPT_COST < 12) problems.push('BCRYPT_COST must be at least 12 in production');
  if (!(env.AT_USERNAME && env.AT_API_KEY) && !(env.TWILIO_SID && env.TWILIO_TOKEN && env.TWILIO_PHONE)) {
    problems.push(
      'an SMS provider is required in production: AT_USERNAME + AT_API_KEY and/or TWILIO_SID + TWILIO_TOKEN + TWILIO_PHONE',
    );
  }
  if (env.TWILIO_SID && !env.PUBLIC_BASE_URL)
    problems.push('PUBLIC_BASE_URL is required with Twilio (its webhook signatures cover the public URL)');
  if (env.AMQP_ENABLED && !env.AMQP_URL) problems.push('AMQP_URL is required when AMQP_ENABLED=true');
  if (env.KAFKA_ENABLED && !env.KAFKA_BROKERS) problems.push('KAFKA_BROKERS is required when KAFKA_ENABLED=true');
  if (env.SIRA_ENABLED && !env.SIRA_WEBHOOK_URL) problems.push('SIRA_WEBHOOK_URL is required when SIRA_ENABLED=true');
  if (env.SIRA_ENABLED && !env.SIRA_SIGNING_SECRET)
    problems.push('SIRA_SIGNING_SECRET is required when SIRA_ENABLED=true');
  return problems;
}

/** SASL needs all three settings; PLAIN without TLS would send the password in clear, refused in production. */
function kafkaSecurityProblems(env: Env, isProduction: boolean): string[] {
  const sasl = [env.KAFKA_SASL_MECHANISM, env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD];
  if (sasl.some(Boolean) && !sasl.every(Boolean)) {
    return ['KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together (set all three or none)'];
  }
  if (isProduction && env.KAFKA_SASL_MECHANISM === 'PLAIN' && !env.KAFKA_TLS) {
    return [
      'KAFKA_TLS=true is required in production with KAFKA_SASL_MECHANISM=PLAIN (the password would cross the network in clear)',
    ];
  }
  return [];
}

/** Parse the environment once. Throws ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined>): Readonly<Config> {
  const { values, problems: sourceProblems } = readSecretFiles(source, SECRET_FILE_SETTINGS);
  sourceProblems.push(...applyJwtSecretAlias(values));
  const rateLimits = rateLimitsFromEnv(values);
  sourceProblems.push(...rateLimits.problems);
  const parsed = envSchema.safeParse(values);
  if (!parsed.success || sourceProblems.length > 0) {
    throw new ConfigError([
      ...sourceProblems,
      ...(parsed.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`),
    ]);
  }
  const env = parsed.data;
  const isProduction = env.NODE_ENV === 'production';
  const problems = [...(isProduction ? productionProblems(env) : []), ...kafkaSecurityProblems(env, isProduction)];
  const jwtResetSecrets = splitList(env.JWT_RESET_SECRET ?? (isProduction ? undefined : DEV_JWT_SECRET));
  jwtResetSecrets.forEach((secret, i) => {
    if (secret.length < MIN_SECRET_LENGTH)
      problems.push(`JWT_RESET_SECRET entry ${i + 1} must be at least ${MIN_SECRET_LENGTH} characters`);
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const twilio =
    env.TWILIO_SID && env.TWILIO_TOKEN && env.TWILIO_PHONE
      ? { sid: env.TWILIO_SID, token: env.TWILIO_TOKEN, phone: env.TWILIO_PHONE, baseUrl: env.TWILIO_API_BASE_URL }
      : undefined;
  const africasTalking =
    env.AT_USERNAME && env.AT_API_KEY
      ? { username: env.AT_USERNAME, apiKey: env.AT_API_KEY, senderId: env.AT_SENDER_ID, baseUrl: env.AT_API_BASE_URL }
      : undefined;

  const host = env.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1');
  return Object.freeze({
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    host,
    metrics:
      env.METRICS_PORT === undefined
        ? undefined
        : Object.freeze({ port: env.METRICS_PORT, host: env.METRICS_HOST ?? host }),
    logLevel: env.LOG_LEVEL,
    proxyHops: env.TRUST_PROXY,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisClusterNodes:
      env.REDIS_CLUSTER_NODES === undefined
        ? undefined
        : Object.freeze(
            splitList(env.REDIS_CLUSTER_NODES).map((n) =>
              Object.freeze({ host: n.slice(0, n.lastIndexOf(':')), port: Number(n.slice(n.lastIndexOf(':') + 1)) }),
            ),
          ),
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    pgliteDataDir: env.PGLITE_DATA_DIR,
    migrateOnStart: env.MIGRATE_ON_START,
    pepper: env.PEPPER ?? DEV_PEPPER,
    jwtResetSecrets: Object.freeze(jwtResetSecrets),
    otpTtlSeconds: env.OTP_TTL_SECONDS,
    resetTokenTtlSeconds: env.RESET_TOKEN_TTL_SECONDS,
    bcryptCost: env.BCRYPT_COST,
    defaultCountry: env.DEFAULT_COUNTRY,
    otpSmsDomain: env.OTP_SMS_DOMAIN,
    emailFrom: env.EMAIL_FROM,
    ussdHopDeadlineMs: env.USSD_HOP_DEADLINE_MS,
    ussdServiceCode: env.USSD_SERVICE_CODE,
    atWebhookToken: env.AT_WEBHOOK_TOKEN,
    ussdWebhookTokens: Object.freeze(
      Object.fromEntries(USSD_GATEWAYS.map((g) => [g.token.env, env[tokenVariable(g.token.env)]])),
    ),
    ussdKnowledgePolicy: new Map(
      splitList(env.USSD_KNOWLEDGE_CHECK).map((entry) => {
        const [country, question] = entry.split(':') as [string, 'birth_year' | 'id_last4'];
        return [country, question];
      }),
    ),
    twilio,
    africasTalking,
    ses: sesOf(env, isProduction),
    smsRoutes: env.SMS_ROUTES,
    smsAllowedCountries: new Set(splitList(env.SMS_ALLOWED_COUNTRIES)),
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    kafka: Object.freeze({
      enabled: env.KAFKA_ENABLED,
      brokers: Object.freeze(splitList(env.KAFKA_BROKERS)),
      clientId: env.KAFKA_CLIENT_ID,
      topic: Object.freeze({
        name: env.KAFKA_TOPIC,
        partitions: env.KAFKA_TOPIC_PARTITIONS,
        replication: env.KAFKA_TOPIC_REPLICATION,
      }),
      sasl:
        env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD
          ? Object.freeze({
              mechanism: env.KAFKA_SASL_MECHANISM,
              username: env.KAFKA_SASL_USERNAME,
              password: env.KAFKA_SASL_PASSWORD,
            })
          : undefined,
      tls: env.KAFKA_TLS,
    }),
    amqp: Object.freeze({ enabled: env.AMQP_ENABLED, url: env.AMQP_URL }),
    simSwap: Object.freeze({
      url: env.SIM_SWAP_API_URL,
      maxAgeHours: env.SIM_SWAP_MAX_AGE_HOURS,
      unknownPolicy: env.SIM_SWAP_UNKNOWN_POLICY,
    }),
    sira: Object.freeze({
      enabled: env.SIRA_ENABLED,
      webhookUrl: env.SIRA_WEBHOOK_URL,
      signingSecret: env.SIRA_SIGNING_SECRET,
      otpFailureRateThreshold: env.SIRA_THRESHOLD_OTP_FAILURE_RATE,
    }),
    retention: retentionOf(env),
    rateLimits: Object.freeze(rateLimits.limits),
  });
}

/** Production defaults to the guide's us-east-1; development and test keep the dev console unless asked. */
function sesOf(env: Env, isProduction: boolean): Config['ses'] {
  const region = env.SES_REGION ?? (isProduction ? 'us-east-1' : undefined);
  return region && region !== 'off' ? { region, endpoint: env.SES_ENDPOINT } : undefined;
}

type RetentionEnv = Pick<
  Env,
  'RESET_REQUEST_RETENTION_DAYS' | 'OUTBOUND_MESSAGE_RETENTION_DAYS' | 'OUTBOX_RETENTION_DAYS' | 'PURGE_INTERVAL_HOURS'
>;

const retentionOf = (env: RetentionEnv): Config['retention'] =>
  Object.freeze({
    resetRequestDays: env.RESET_REQUEST_RETENTION_DAYS,
    outboundMessageDays: env.OUTBOUND_MESSAGE_RETENTION_DAYS,
    outboxDays: env.OUTBOX_RETENTION_DAYS,
    purgeIntervalHours: env.PURGE_INTERVAL_HOURS,
  });

/** What the command-line tools need: a database, the default country and the retention, nothing secret. */
export interface DatabaseConfig {
  databaseUrl: string | undefined;
  /** Embedded PGlite folder: honoured only with NODE_ENV=development, asked for explicitly. */
  pgliteDataDir: string | undefined;
  defaultCountry: string;
  retention: Config['retention'];
}

const databaseSchema = envSchema.pick({
  NODE_ENV: true,
  DATABASE_URL: true,
  PGLITE_DATA_DIR: true,
  DEFAULT_COUNTRY: true,
  RESET_REQUEST_RETENTION_DAYS: true,
  OUTBOUND_MESSAGE_RETENTION_DAYS: true,
  OUTBOX_RETENTION_DAYS: true,
  PURGE_INTERVAL_HOURS: true,
});

/** Parse only what a database tool needs, so migrate/users:add run without the service's secrets. */
export function loadDatabaseConfig(source: Record<string, string | undefined>): Readonly<DatabaseConfig> {
  const { values, problems } = readSecretFiles(source, ['DATABASE_URL']);
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = databaseSchema.safeParse(values);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const env = parsed.data;
  return Object.freeze({
    databaseUrl: env.DATABASE_URL,
    pgliteDataDir: env.NODE_ENV === 'development' ? env.PGLITE_DATA_DIR : undefined,
    defaultCountry: env.DEFAULT_COUNTRY,
    retention: retentionOf(env),
  });
}
