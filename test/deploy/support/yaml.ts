/**
 * YAML through PyYAML (python3), which this machine has: no npm dependency for
 * a few test reads. scripts/ci-install-tools.sh installs python3-yaml when no
 * python3 here can import it.
 */
import { spawnSync } from 'node:child_process';

const LOAD = 'import sys, json, yaml; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)';

const python = ['python3', '/usr/bin/python3'].find((bin) => spawnSync(bin, ['-c', 'import yaml']).status === 0);

/** Why YAML tests cannot run here, or undefined when they can. */
export const yamlUnavailable = python ? undefined : 'PyYAML not installed: run scripts/ci-install-tools.sh';

/** Every document of a YAML file, as JSON values. */
export function loadYamlDocuments(file: string): any[] {
  if (!python) throw new Error(yamlUnavailable);
  const out = spawnSync(python, ['-c', LOAD, file], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`cannot parse ${file}: ${out.stderr}`);
  return JSON.parse(out.stdout) as any[];
}
