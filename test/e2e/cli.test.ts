/**
 * The operator's command-line tools, run as npm runs them (tsx on the
 * sources) against a fresh PostgreSQL database: migrate records what ran,
 * users:add adds (and updates) a user, but not beside a dev server holding its
 * embedded database. Without NODE_ENV they read DATABASE_URL
 * only; an embedded PGlite folder needs development, asked for.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase } from '../../src/db/database.js';
import { LOCK_FILE } from '../../src/dev/data-dir-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { cleanUpSpawnedServices, freePort, spawnService, waitForHealth } from '../support/spawned-service.js';

const run = promisify(execFile);
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await cleanUpSpawnedServices();
  await Promise.all(dbs.map((d) => d.drop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder an embedded PGlite database may be created in (it does not exist yet). */
function pgliteDir() {
  const parent = mkdtempSync(path.join(tmpdir(), 'molam-cli-'));
  dirs.push(parent);
  return path.join(parent, 'pglite');
}

const cli = (script: string, args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });

describe('command-line tools', () => {
  it('migrate applies every file once, then nothing, given DATABASE_URL alone (issue 15 item 5: no pepper, no provider keys)', async () => {
    const t = await createTestDatabase('cli');
    dbs.push(t);
    const first = await cli('src/cli/migrate.ts', [], { DATABASE_URL: t.url });
    expect(first.stdout).toMatch(/applied +006_password_pin_reset\.sql/);
    const second = await cli('src/cli/migrate.ts', [], { DATABASE_URL: t.url });
    expect(second.stdout).toMatch(/^0 applied, \d+ already there$/m);
  });

  it('users:add normalizes the phone, stores language, country and birth year, and refuses bad input', async () => {
    const t = await createTestDatabase('cli');
    dbs.push(t);
    const { stdout } = await cli(
      'src/cli/users-add.ts',
      ['--phone', '77 123 45 67', '--email', 'Fatou@Example.SN', '--lang', 'wo', '--birth-year', '1990'],
      { DATABASE_URL: t.url },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      phone: '+221771234567',
      email: 'fatou@example.sn',
      language: 'wo',
      country: 'SN',
    });
    const { stdout: year } = await run('psql', [
      '-tAc',
      "SELECT birth_year FROM molam_users WHERE phone_e164 = '+221771234567'",
      t.url,
    ]);
    expect(year.trim()).toBe('1990');
    await expect(cli('src/cli/users-add.ts', ['--phone', 'hello'], { DATABASE_URL: t.url })).rejects.toMatchObject({
      code: 2,
    });
    expect((await cli('src/cli/users-add.ts', ['--help'], { DATABASE_URL: t.url })).stdout).toMatch(
      /^usage: npm run users:add/,
    );
  });
});

describe('item 11: command-line tools do not fall into development on their own', () => {
  it('migrate without NODE_ENV refuses an embedded PGLITE_DATA_DIR, naming DATABASE_URL, and creates nothing', async () => {
    const dir = pgliteDir();
    await expect(cli('src/cli/migrate.ts', [], { PGLITE_DATA_DIR: dir })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('DATABASE_URL'),
    });
    expect(existsSync(dir)).toBe(false);
  });

  it('npm run users:add asks for development itself, so a developer can add a user to PGLITE_DATA_DIR', async () => {
    const dir = pgliteDir();
    const { stdout } = await run('npm', ['run', '--silent', 'users:add', '--', '--phone', '+221771234567'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PGLITE_DATA_DIR: dir },
    });
    expect(JSON.parse(stdout)).toMatchObject({ phone: '+221771234567', country: 'SN' });
  });
});

describe('issue 15 item 4: users:add refuses an embedded database a running dev server holds', () => {
  const dev = { NODE_ENV: 'development' };

  it('refuses, naming the running server, while npm run dev holds PGLITE_DATA_DIR; adds the user once it stopped', async () => {
    const dir = pgliteDir();
    const port = await freePort();
    const server = spawnService({ ...dev, PORT: String(port), PGLITE_DATA_DIR: dir });
    await waitForHealth(`http://127.0.0.1:${port}`, server);

    const refused = cli('src/cli/users-add.ts', ['--phone', '+221771234567'], { ...dev, PGLITE_DATA_DIR: dir });
    await expect(refused).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        new RegExp(`running dev server \\(process ${server.child.pid}\\)[^]*Stop npm run dev`),
      ),
    });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false); // the server took its lock away
    const { stdout } = await cli('src/cli/users-add.ts', ['--phone', '+221771234567'], {
      ...dev,
      PGLITE_DATA_DIR: dir,
    });
    expect(JSON.parse(stdout)).toMatchObject({ phone: '+221771234567' });
    const db = await createPgliteDatabase(dir);
    try {
      expect((await db.query('SELECT 1 FROM molam_users WHERE phone_e164 = $1', ['+221771234567'])).rows).toHaveLength(
        1,
      );
    } finally {
      await db.close();
    }
  }, 60_000);

  it('treats a lock left by a process that no longer runs as stale', async () => {
    const dir = pgliteDir();
    mkdirSync(dir, { recursive: true });
    const gone = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(path.join(dir, LOCK_FILE), `${gone.stdout}\n`);
    const { stdout } = await cli('src/cli/users-add.ts', ['--phone', '+221771234568'], {
      ...dev,
      PGLITE_DATA_DIR: dir,
    });
    expect(JSON.parse(stdout)).toMatchObject({ phone: '+221771234568' });
  }, 30_000);
});
