/** promtool (Debian package prometheus), run on files in deploy/prometheus. */
import { spawnSync } from 'node:child_process';

const found = spawnSync('promtool', ['--version']).status === 0;

/** Why promtool tests cannot run here, or undefined when they can. */
export const promtoolUnavailable = found ? undefined : 'promtool not installed: run scripts/ci-install-tools.sh';

export function promtool(args: string[], cwd: string) {
  const out = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}
