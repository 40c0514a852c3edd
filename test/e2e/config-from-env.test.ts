/**
 * Issue 15 items 12 and 13 as an operator meets them: the service started in
 * production from secret files only (NAME_FILE, no secret in its environment),
 * and a rate limit set by RATE_LIMIT_<NAME> holding in the running service.
 * Real: the server process (tsx on src/server.ts), PostgreSQL and Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix, type TestDatabase } from '../support/services.js';
import { cleanUpSpawnedServices, freePort, spawnService, waitForHealth } from '../support/spawned-service.js';

const dbs: TestDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await cleanUpSpawnedServices();
  await Promise.all(dbs.map((d) => d.drop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes each secret to its own file, as a Kubernetes secret volume does (here with a trailing newline). */
function secretFiles(values: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'molam-secret-files-'));
  dirs.push(dir);
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => {
      const file = path.join(dir, name.toLowerCase());
      writeFileSync(file, `${value}\n`, { mode: 0o400 });
      return [`${name}_FILE`, file];
    }),
  );
}

const startBody = (identifier: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ kind: 'password', identifier }),
});

describe('issue 15 items 12-13: configuration from files and from RATE_LIMIT_<NAME>', () => {
  it('starts in production with every secret read from a file, and applies RATE_LIMIT_START_PER_IDENTIFIER', async () => {
    const db = await createTestDatabase('files');
    dbs.push(db);
    const port = await freePort();
    const files = secretFiles({
      DATABASE_URL: db.url,
      REDIS_URL,
      PEPPER: 'p'.repeat(48),
      JWT_SECRET: 'j'.repeat(48),
      AT_WEBHOOK_TOKEN: 'a'.repeat(32),
      AT_USERNAME: 'molam',
      AT_API_KEY: 'k'.repeat(32),
    });
    const run = spawnService({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      REDIS_KEY_PREFIX: uniqueRedisPrefix('files'),
      SES_REGION: 'off',
      RATE_LIMIT_START_PER_IDENTIFIER: '2/1h',
      ...files,
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      const health = await waitForHealth(url, run);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        checks: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
      // The default allows 5 starts an hour per identifier; the environment said 2.
      const statuses = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push((await fetch(`${url}/v1/reset/start`, startBody('+221770000123'))).status);
      expect(statuses).toEqual([202, 202, 429]);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });

  it('refuses to start when a secret is set both ways, or its file is missing, naming the variable only', async () => {
    const files = secretFiles({ PEPPER: 'p'.repeat(48) });
    const run = spawnService({
      NODE_ENV: 'production',
      PEPPER: 'q'.repeat(48),
      ...files,
      JWT_RESET_SECRET_FILE: '/nonexistent/jwt',
      RATE_LIMIT_SMS_PER_PHONE: 'many',
    });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('PEPPER and PEPPER_FILE are both set');
    expect(run.stderr()).toContain('JWT_RESET_SECRET_FILE: cannot read /nonexistent/jwt (ENOENT)');
    expect(run.stderr()).toContain('RATE_LIMIT_SMS_PER_PHONE: expected <points>/<window>');
    expect(run.stderr()).not.toContain('q'.repeat(48));
  });
});
