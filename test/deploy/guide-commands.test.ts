/**
 * Issue 15 item 11: the deployment guide's words that are not commands of the
 * service itself — `npm test -- --verbose`, the MIT licence it names, and a
 * `.env.example` that `docker run --env-file .env` can use as it is (no
 * NODE_ENV, so production). Real: npm and vitest run as a reader runs them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const { FORCE_COLOR: _color, ...plainEnv } = process.env;
const npm = (args: string[]) =>
  promisify(execFile)('npm', args, { cwd: repo, env: { ...plainEnv, NODE_ENV: '', NO_COLOR: '1' } });

describe("issue 15 item 11: the guide's words, followed as written", () => {
  it('runs `npm test -- --verbose` with one line per test, and still fails on a failing run', async () => {
    const { stdout } = await npm(['test', '--', '--verbose', 'test/unit/otp.test.ts']);
    expect(stdout).toMatch(/✓ test\/unit\/otp\.test\.ts > .+/);
    expect(stdout).toMatch(/Tests\s+\d+ passed/);
    await expect(npm(['test', '--', '--verbose', 'test/unit/no-such-file.test.ts'])).rejects.toMatchObject({ code: 1 });
  }, 60_000);

  it('ships the MIT LICENSE that the guide and package.json name, in the image too', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(path.join(repo, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n[\s\S]*Permission is hereby granted, free of charge/,
    );
    expect(readFileSync(path.join(repo, '.dockerignore'), 'utf8')).toMatch(/^!LICENSE$/m);
  });

  it('leaves NODE_ENV unset in .env.example, so `docker run --env-file .env` runs production', () => {
    const active = readFileSync(path.join(repo, '.env.example'), 'utf8')
      .split('\n')
      .filter((l) => /^\s*NODE_ENV\s*=/.test(l));
    expect(active).toEqual([]);
  });
});
