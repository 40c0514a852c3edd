/** Configuration parsing: pure, no services. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const strong = 'p'.repeat(40);

describe('loadConfig', () => {
  it('runs with nothing set in development: port 8085, embedded stores, OTP TTL 300 s', () => {
    const c = loadConfig({});
    expect([c.port, c.databaseUrl, c.redisUrl, c.otpTtlSeconds, c.bcryptCost, c.isProduction]).toEqual([8085, undefined, undefined, 300, 12, false]);
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
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PEPPER', 'JWT_RESET_SECRET', 'AT_WEBHOOK_TOKEN', 'AMQP_URL']) expect(error!.message).toContain(name);
    expect(error!.problems.length).toBeGreaterThanOrEqual(5);
  });

  it('accepts a complete production configuration and splits the JWT secret list (first signs, all verify)', () => {
    const c = loadConfig({
      NODE_ENV: 'production', DATABASE_URL: 'postgres://x@db/molam_id', REDIS_URL: 'redis://cache:6379', PEPPER: strong, AT_WEBHOOK_TOKEN: 'hook', AT_USERNAME: 'molam', AT_API_KEY: 'key',
      JWT_RESET_SECRET: `${'a'.repeat(32)}, ${'b'.repeat(32)}`, KAFKA_ENABLED: 'true', KAFKA_BROKERS: 'kafka1:9092,kafka2:9092',
    });
    expect(c.jwtResetSecrets).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(c.kafka.brokers).toEqual(['kafka1:9092', 'kafka2:9092']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('refuses short secrets and a bcrypt cost under 12 in production, without echoing the secret', () => {
    expect(() => loadConfig({
      NODE_ENV: 'production', DATABASE_URL: 'postgres://x@db/m', REDIS_URL: 'redis://r', PEPPER: 'short-pepper', JWT_RESET_SECRET: 'tiny-secret', BCRYPT_COST: '10',
    })).toThrow(/PEPPER must be at least 32[\s\S]*BCRYPT_COST[\s\S]*JWT_RESET_SECRET entry 1/);
    try {
      loadConfig({ NODE_ENV: 'production', PEPPER: 'short-pepper' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-pepper');
    }
  });

  it('rejects an OTP lifetime above 10 minutes (NIST 800-63B, ASVS 6.5.5)', () => {
    expect(() => loadConfig({ OTP_TTL_SECONDS: '900' })).toThrow(/OTP_TTL_SECONDS/);
  });
});
