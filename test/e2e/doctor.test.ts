/**
 * Issue 15 item 10: `npm run doctor`, run as an operator runs it (the CLI in a
 * child process, its own environment only), against the real PostgreSQL,
 * Redis and RabbitMQ of this machine, and a PRIVATE redis-server set to
 * allkeys-lru (the shared Redis on 6379 is never reconfigured).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

const repo = path.resolve(import.meta.dirname, '../..');
const secrets = {
  PEPPER: 'pepper-value-'.repeat(4),
  JWT_RESET_SECRET: 'jwt-secret-value-'.repeat(3),
  AT_WEBHOOK_TOKEN: 'at-token-value-'.repeat(3),
  AT_USERNAME: 'molam',
  AT_API_KEY: 'at-api-key-value-'.repeat(2),
  AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST000001',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-value-'.repeat(2),
};
let migrated: TestDatabase;
let empty: TestDatabase;
let lru: PrivateRedis;
const dirs: string[] = [];

/** The migrated database's URL with a password in it (trust auth ignores it), to prove it is never printed. */
const withPassword = (url: string) => url.replace('postgres@', 'postgres:db-password-value@');

beforeAll(async () => {
  [migrated, empty, lru] = await Promise.all([
    createTestDatabase('doctor'),
    createTestDatabase('doctor'),
    startPrivateRedis(),
  ]);
  const db = createPostgresDatabase(migrated.url);
  await runMigrations(db).finally(() => db.close());
  const redis = new Redis(lru.url);
  await redis.config('SET', 'maxmemory', '64mb');
  await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
  redis.disconnect();
});

afterAll(async () => {
  await Promise.all([migrated?.drop(), empty?.drop(), lru?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/doctor.ts'], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NODE_NO_WARNINGS: '1', ...env },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

const healthy = () => ({
  NODE_ENV: 'production',
  DATABASE_URL: withPassword(migrated.url),
  REDIS_URL,
  AMQP_ENABLED: 'true',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  PUBLIC_BASE_URL: 'https://id.molam.example',
  ...secrets,
});

describe('issue 15 item 10: npm run doctor', () => {
  it('finds nothing to fix in a complete production environment, prints the webhook URLs and never a secret', async () => {
    const { code, out } = await doctor(healthy());
    expect(out).toMatch(/ok {4}configuration: npm start accepts it/);
    expect(out).toMatch(/ok {4}database: .*reachable \(PostgreSQL [\d.]+.*\); all \d+ migrations applied/);
    expect(out).toMatch(/ok {4}redis: 127\.0\.0\.1:6379 reachable .*maxmemory-policy noeviction/);
    expect(out).toMatch(/ok {4}rabbitmq: 127\.0\.0\.1:5672 accepts the connection/);
    expect(out).toMatch(/ok {4}email: Amazon SES: region us-east-1 \(default\); AWS credentials found/);
    expect(out).toContain('https://id.molam.example/gateways/africastalking/ussd?token=<AT_WEBHOOK_TOKEN>');
    expect(out).toContain('https://id.molam.example/gateways/africastalking/sms/delivery?token=<AT_WEBHOOK_TOKEN>');
    expect(out).toMatch(/Nothing to fix/);
    expect(code).toBe(0);
    for (const value of [...Object.values(secrets).filter((v) => v !== 'molam'), 'db-password-value', 'guest:guest'])
      expect(out).not.toContain(value);
  });

  it('fails on a Redis that evicts (allkeys-lru), saying what it would evict and how to fix it', async () => {
    const { code, out } = await doctor({ ...healthy(), REDIS_URL: lru.url });
    expect(out).toMatch(
      /FAIL {2}redis: .*maxmemory-policy allkeys-lru would evict the service's locks and rate-limit counters/,
    );
    expect(out).toMatch(/fix: redis-cli CONFIG SET maxmemory-policy noeviction/);
    expect(code).toBe(1);
  });

  it('fails on a database that is not migrated (MIGRATE_ON_START=false), or not reachable, naming the fix', async () => {
    const unmigrated = await doctor({ ...healthy(), DATABASE_URL: empty.url, MIGRATE_ON_START: 'false' });
    expect(unmigrated.out).toMatch(/FAIL {2}database: .*reachable .*\d+ of \d+ migrations not applied: 001_/);
    expect(unmigrated.out).toMatch(/fix: run npm run migrate/);
    expect(unmigrated.code).toBe(1);
    const down = await doctor({
      ...healthy(),
      DATABASE_URL: 'postgres://molam:db-password-value@127.0.0.1:1/molam_id',
    });
    expect(down.out).toMatch(/FAIL {2}database: 127\.0\.0\.1:1\/molam_id unreachable: ECONNREFUSED/);
    expect(down.out).not.toContain('db-password-value');
  });

  it('fails on an unreachable broker and on half-configured providers, by variable name', async () => {
    const { code, out } = await doctor({
      ...healthy(),
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      KAFKA_ENABLED: 'true',
      KAFKA_BROKERS: '127.0.0.1:1',
      TWILIO_SID: 'AC0000',
      AT_API_KEY: '',
    });
    expect(out).toMatch(/FAIL {2}rabbitmq: 127\.0\.0\.1:1: ECONNREFUSED/);
    expect(out).toMatch(/FAIL {2}kafka: 127\.0\.0\.1:1: ECONNREFUSED/);
    expect(out).toMatch(/FAIL {2}sms: Africa's Talking: AT_USERNAME set, but not AT_API_KEY/);
    expect(out).toMatch(/FAIL {2}sms: Twilio: TWILIO_SID set, but not TWILIO_TOKEN, TWILIO_PHONE/);
    expect(code).toBe(1);
  });

  it('runs with nothing but a database set, from a _FILE, and checks what it can', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'molam-doctor-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'database-url'), `${migrated.url}\n`);
    const { code, out } = await doctor({ DATABASE_URL_FILE: path.join(dir, 'database-url'), SES_REGION: 'off' });
    expect(out).toMatch(/ok {4}database: .*all \d+ migrations applied/);
    expect(out).toMatch(/FAIL {2}configuration: npm start would refuse:[\s\S]*- PEPPER is required in production/);
    expect(out).toMatch(/FAIL {2}redis: REDIS_URL \(or REDIS_URL_FILE\) is not set/);
    expect(out).toMatch(/skip {2}email: Amazon SES: SES_REGION=off/);
    expect(code).toBe(1);
  });
});
