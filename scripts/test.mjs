// npm test [-- vitest options]: `vitest run` with the options passed through, and the
// deployment guide's `npm test -- --verbose` (a Jest option vitest does not know)
// read as vitest's own `--reporter=verbose`: one line per test, as Jest prints.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const args = process.argv.slice(2).map((a) => (a === '--verbose' ? '--reporter=verbose' : a));
const { status, signal } = spawnSync(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit' });
process.exit(status ?? (signal ? 1 : 0));
