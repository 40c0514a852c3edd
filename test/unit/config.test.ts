/** Configuration parsing: pure, no services. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { USSD_GATEWAYS } from '../../gateways/ussd/registry.js';
import { ConfigError, loadConfig, loadDatabaseConfig, SECRET_FILE_SETTINGS } from '../../src/config.js';
import { DEFAULT_LIMITS, rateLimitEnvName, type LimitName } from '../../src/services/rate-limits.js';
import { problemsOf, productionEnv } from '../support/config-env.js';

const strong = productionEnv.PEPPER;
const production = productionEnv;

describe('loadConfig', () => {
  it('runs with nothing else set in development: port 8085, embedded stores, OTP TTL 300 s', () => {
    const c = loadConfig({ NODE_ENV: 'development' });
    expect([c.port, c.databaseUrl, c.redisUrl, c.otpTtlSeconds, c.bcryptCost, c.isProduction]).toEqual([
      8085,
      undefined,
      undefined,
      300,
      12,
      false,
    ]);
    expect(c.kafka.clientId).toBe('molam-id-password-reset');
    expect(c.sira.otpFailureRateThreshold).toBe(0.4);
  });

  it('refuses to start in production, listing every missing secret and service at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ NODE_ENV: 'production', AMQP_ENABLED: 'true' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PEPPER', 'JWT_RESET_SECRET', 'AT_WEBHOOK_TOKEN', 'AMQP_URL'])
      expect(error!.message).toContain(name);
    expect(error!.problems.length).toBeGreaterThanOrEqual(5);
  });

  it('issue 13 item 4: takes REDIS_CLUSTER_NODES instead of REDIS_URL in production, and refuses a malformed list', () => {
    const { REDIS_URL: _single, ...withoutRedisUrl } = production;
    const c = loadConfig({ ...withoutRedisUrl, REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001' });
    expect(c.redisClusterNodes).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.7', port: 7001 },
    ]);
    expect(problemsOf({ ...withoutRedisUrl, REDIS_CLUSTER_NODES: 'redis-0:6379;redis-1' })).toContain(
      'REDIS_CLUSTER_NODES',
    );
    expect(problemsOf(withoutRedisUrl)).toContain('REDIS_URL or REDIS_CLUSTER_NODES');
  });

  it('accepts a complete production configuration and splits the JWT secret list (first signs, all verify)', () => {
    const c = loadConfig({
      ...production,
      JWT_RESET_SECRET: `${'a'.repeat(32)}, ${'b'.repeat(32)}`,
      KAFKA_ENABLED: 'true',
      KAFKA_BROKERS: 'kafka1:9092,kafka2:9092',
    });
    expect(c.jwtResetSecrets).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(c.kafka.brokers).toEqual(['kafka1:9092', 'kafka2:9092']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('refuses short secrets and a bcrypt cost under 12 in production, without echoing the secret', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://x@db/m',
        REDIS_URL: 'redis://r',
        PEPPER: 'short-pepper',
        JWT_RESET_SECRET: 'tiny-secret',
        BCRYPT_COST: '10',
      }),
    ).toThrow(/PEPPER must be at least 32[\s\S]*BCRYPT_COST[\s\S]*JWT_RESET_SECRET entry 1/);
    try {
      loadConfig({ NODE_ENV: 'production', PEPPER: 'short-pepper' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-pepper');
    }
  });

  it('rejects an OTP lifetime above 10 minutes (NIST 800-63B, ASVS 6.5.5)', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', OTP_TTL_SECONDS: '900' })).toThrow(/OTP_TTL_SECONDS/);
  });

  it('takes the USSD code the SMS texts name from USSD_SERVICE_CODE (default *384*1#), refusing anything else', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).ussdServiceCode).toBe('*384*1#');
    expect(loadConfig({ NODE_ENV: 'test', USSD_SERVICE_CODE: '*483*7*1#' }).ussdServiceCode).toBe('*483*7*1#');
    for (const bad of ['384', '*384*1', '*384*1#<script>', '*1#', '*9999*9999*9999*9999*9#']) {
      expect(() => loadConfig({ NODE_ENV: 'test', USSD_SERVICE_CODE: bad }), bad).toThrow(/USSD_SERVICE_CODE/);
    }
  });
});

describe('item 11: production rules are the default', () => {
  it('treats an unset NODE_ENV as production and refuses to start without its secrets', () => {
    expect(problemsOf({})).toMatch(/PEPPER is required in production/);
    const { NODE_ENV: _unset, ...withoutNodeEnv } = production;
    expect(loadConfig(withoutNodeEnv)).toMatchObject({ env: 'production', isProduction: true });
  });

  it('refuses the development pepper and the development JWT secret in production', () => {
    const dev = loadConfig({ NODE_ENV: 'development' });
    expect(problemsOf({ ...production, PEPPER: dev.pepper })).toMatch(/PEPPER must not be the development default/);
    expect(problemsOf({ ...production, JWT_RESET_SECRET: `${'k'.repeat(32)},${dev.jwtResetSecrets[0]}` })).toMatch(
      /JWT_RESET_SECRET must not contain the development default/,
    );
  });
});

describe('item 1: webhook tokens in production', () => {
  const tokenNames = USSD_GATEWAYS.map((g) => g.token.env);

  it('refuses every USSD gateway token under 32 characters, naming the variable, not the value', () => {
    const short = Object.fromEntries(tokenNames.map((name) => [name, `short-${name}`]));
    const problems = problemsOf({ ...production, ...short });
    for (const name of tokenNames) expect(problems).toMatch(new RegExp(`${name} must be at least 32 characters`));
    expect(problems).not.toMatch(/short-/);
  });

  it("hands each gateway's token to the routes under the variable its descriptor names", () => {
    const tokens = Object.fromEntries(tokenNames.map((name, i) => [name, `${i}`.repeat(40)]));
    expect(loadConfig({ ...production, ...tokens }).ussdWebhookTokens).toEqual(tokens);
  });

  it('keeps short tokens usable outside production', () => {
    expect(loadConfig({ NODE_ENV: 'test', AT_WEBHOOK_TOKEN: 'hook' }).atWebhookToken).toBe('hook');
  });
});

describe('item 10: TRUST_PROXY counts trusted proxy hops', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['2', 2],
    ['true', 1],
    ['false', 0],
  ])('TRUST_PROXY=%s means %i hops', (value, hops) => {
    expect(loadConfig({ NODE_ENV: 'test', ...(value === undefined ? {} : { TRUST_PROXY: value }) }).proxyHops).toBe(
      hops,
    );
  });

  it('refuses anything that is not a hop count', () => {
    expect(problemsOf({ NODE_ENV: 'test', TRUST_PROXY: 'yes' })).toMatch(/TRUST_PROXY/);
    expect(problemsOf({ NODE_ENV: 'test', TRUST_PROXY: '-1' })).toMatch(/TRUST_PROXY/);
  });
});

describe('item 12: listen address', () => {
  it('binds loopback outside production and every interface in production, unless HOST says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
    expect(loadConfig(production).host).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...production, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });
});

describe('item 13: METRICS_PORT', () => {
  it('serves /metrics on the main listener when unset, on its own port (same host by default) when set', () => {
    expect(loadConfig({ NODE_ENV: 'test', METRICS_PORT: '' }).metrics).toBeUndefined();
    expect(loadConfig({ ...production, METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(loadConfig({ ...production, METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics).toEqual({
      port: 9464,
      host: '10.0.0.5',
    });
    expect(problemsOf({ NODE_ENV: 'test', METRICS_PORT: 'prometheus' })).toMatch(/METRICS_PORT/);
  });
});

describe('item 11: command-line tools read the database settings only', () => {
  it('needs no secret, and opens an embedded PGlite folder only with NODE_ENV=development', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://x@db/m' })).toMatchObject({
      databaseUrl: 'postgres://x@db/m',
      defaultCountry: 'SN',
    });
    expect(loadDatabaseConfig({ PGLITE_DATA_DIR: '/tmp/x' }).pgliteDataDir).toBeUndefined();
    expect(loadDatabaseConfig({ NODE_ENV: 'production', PGLITE_DATA_DIR: '/tmp/x' }).pgliteDataDir).toBeUndefined();
    expect(loadDatabaseConfig({ NODE_ENV: 'development', PGLITE_DATA_DIR: '/tmp/x' }).pgliteDataDir).toBe('/tmp/x');
  });
});

/** A secret file as Kubernetes or Docker mount it (content ending in a newline, as `echo` writes it). */
function secretFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'molam-secret-')), 'value');
  writeFileSync(file, content);
  return file;
}

describe('issue 15 item 12: secrets from files (NAME_FILE)', () => {
  it('reads PEPPER_FILE, JWT_RESET_SECRET_FILE, DATABASE_URL_FILE and the webhook token once, trailing newline dropped', () => {
    const { PEPPER: _p, JWT_RESET_SECRET: _j, DATABASE_URL: _d, AT_WEBHOOK_TOKEN: _a, ...rest } = production;
    const c = loadConfig({
      ...rest,
      PEPPER_FILE: secretFile(`${'f'.repeat(40)}\n`),
      JWT_RESET_SECRET_FILE: secretFile(`${'g'.repeat(32)},${'h'.repeat(32)}\r\n`),
      DATABASE_URL_FILE: secretFile('postgres://molam:s3cret@db/molam_id\n'),
      AT_WEBHOOK_TOKEN_FILE: secretFile('t'.repeat(32)),
    });
    expect(c.pepper).toBe('f'.repeat(40));
    expect(c.jwtResetSecrets).toEqual(['g'.repeat(32), 'h'.repeat(32)]);
    expect(c.databaseUrl).toBe('postgres://molam:s3cret@db/molam_id');
    expect(c.atWebhookToken).toBe('t'.repeat(32));
  });

  it('refuses a variable set both ways, and names an unreadable file without its content', () => {
    const problems = problemsOf({
      ...production,
      PEPPER_FILE: secretFile('x'.repeat(40)),
      TWILIO_TOKEN_FILE: '/nonexistent/twilio-token',
    });
    expect(problems).toMatch(/PEPPER and PEPPER_FILE are both set/);
    expect(problems).toMatch(/TWILIO_TOKEN_FILE: cannot read \/nonexistent\/twilio-token \(ENOENT\)/);
    expect(problems).not.toContain('x'.repeat(40));
  });

  it('lets the command-line tools read DATABASE_URL_FILE and nothing else', () => {
    const config = loadDatabaseConfig({
      DATABASE_URL_FILE: secretFile('postgres://a@db/m\n'),
      PEPPER_FILE: '/nonexistent',
    });
    expect(config.databaseUrl).toBe('postgres://a@db/m');
  });
});

describe('issue 15 item 11: the guide word for word', () => {
  it('accepts JWT_SECRET as JWT_RESET_SECRET, and refuses the two with different values', () => {
    const { JWT_RESET_SECRET: _j, ...rest } = production;
    expect(loadConfig({ ...rest, JWT_SECRET: 'k'.repeat(32) }).jwtResetSecrets).toEqual(['k'.repeat(32)]);
    expect(loadConfig({ ...production, JWT_SECRET: production.JWT_RESET_SECRET }).jwtResetSecrets).toEqual([
      production.JWT_RESET_SECRET,
    ]);
    expect(problemsOf({ ...production, JWT_SECRET: 'k'.repeat(32) })).toMatch(
      /JWT_SECRET and JWT_RESET_SECRET are both set with different values/,
    );
  });

  it("defaults SES_REGION to the guide's us-east-1 in production; off turns email off; tests keep the dev console", () => {
    expect(loadConfig(production).ses).toEqual({ region: 'us-east-1', endpoint: undefined });
    expect(loadConfig({ ...production, SES_REGION: 'eu-west-1' }).ses?.region).toBe('eu-west-1');
    expect(loadConfig({ ...production, SES_REGION: 'off' }).ses).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test' }).ses).toBeUndefined();
  });
});

describe('issue 15 item 13: rate limits from the environment', () => {
  it('sets a limit from RATE_LIMIT_<NAME>=<points>/<window> and leaves the others at their defaults', () => {
    const c = loadConfig({
      NODE_ENV: 'test',
      RATE_LIMIT_SMS_PER_PHONE: '3/600',
      RATE_LIMIT_OTP_GUESSES_PER_ACCOUNT_30_DAYS: '40/30d',
      RATE_LIMIT_START_PER_IP: '100/1h',
    });
    expect(c.rateLimits).toEqual({
      smsPerPhone: { points: 3, durationSeconds: 600 },
      otpGuessesPerAccount30Days: { points: 40, durationSeconds: 30 * 86_400 },
      startPerIp: { points: 100, durationSeconds: 3600 },
    });
    expect(loadConfig({ NODE_ENV: 'test' }).rateLimits).toEqual({});
  });

  it('names every limit by its environment variable, refusing malformed values and unknown names', () => {
    const problems = problemsOf({
      NODE_ENV: 'test',
      RATE_LIMIT_SMS_PER_PHONE: '0/60',
      RATE_LIMIT_START_PER_IP: 'lots',
      RATE_LIMIT_SMS_PER_PHONES: '3/60',
    });
    expect(problems).toMatch(/RATE_LIMIT_SMS_PER_PHONE: expected <points>\/<window>, e\.g\. 8\/3600/);
    expect(problems).toMatch(/RATE_LIMIT_START_PER_IP: expected/);
    expect(problems).toMatch(/RATE_LIMIT_SMS_PER_PHONES: no such limit/);
    // Every default limit has a variable, in the list the refusal prints.
    for (const name of Object.keys(DEFAULT_LIMITS))
      expect(problems).toMatch(new RegExp(`RATE_LIMIT_${name.replace(/([A-Z]|\d+)/g, '_$1').toUpperCase()}\\b`));
  });
});

describe('issue 15 items 12-13: .env.example lists what the service reads', () => {
  const example = readFileSync(path.join(import.meta.dirname, '../../.env.example'), 'utf8');

  it('lists every rate limit with its default, as RATE_LIMIT_<NAME>=<points>/<seconds>', () => {
    for (const [name, rule] of Object.entries(DEFAULT_LIMITS)) {
      expect(example).toContain(`# ${rateLimitEnvName(name as LimitName)}=${rule.points}/${rule.durationSeconds}\n`);
    }
  });

  it('names every variable that accepts NAME_FILE', () => {
    const listed = /# Accepted: ([\s\S]*?)\.\n/
      .exec(example)?.[1]
      ?.replace(/#/g, '')
      .split(/[,\s]+/)
      .filter(Boolean);
    expect(listed?.sort()).toEqual([...SECRET_FILE_SETTINGS].sort());
  });
});
