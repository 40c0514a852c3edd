/**
 * The operator's command-line tools, run as npm runs them (tsx on the
 * sources) against a fresh PostgreSQL database: migrate records what ran,
 * users:add adds (and updates) a user.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const run = promisify(execFile);
const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const cli = (script: string, args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });

describe('command-line tools', () => {
  it('migrate applies every file once, then nothing', async () => {
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
    const { stdout } = await cli('src/cli/users-add.ts', ['--phone', '77 123 45 67', '--email', 'Fatou@Example.SN', '--lang', 'wo', '--birth-year', '1990'], { DATABASE_URL: t.url });
    expect(JSON.parse(stdout)).toMatchObject({ phone: '+221771234567', email: 'fatou@example.sn', language: 'wo', country: 'SN' });
    const { stdout: year } = await run('psql', ['-tAc', "SELECT birth_year FROM molam_users WHERE phone_e164 = '+221771234567'", t.url]);
    expect(year.trim()).toBe('1990');
    await expect(cli('src/cli/users-add.ts', ['--phone', 'hello'], { DATABASE_URL: t.url })).rejects.toMatchObject({ code: 2 });
    expect((await cli('src/cli/users-add.ts', ['--help'], { DATABASE_URL: t.url })).stdout).toMatch(/^usage: npm run users:add/);
  });
});
