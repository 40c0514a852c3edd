/**
 * A small Dockerfile reader for the subset our Dockerfile keeps to, so tests
 * can check it and replay its steps without a Docker daemon. Anything outside
 * the subset throws: a new instruction must be taught to the replay first.
 */

export interface Instruction {
  op: 'WORKDIR' | 'ENV' | 'COPY' | 'RUN' | 'USER' | 'EXPOSE' | 'HEALTHCHECK' | 'CMD';
  /** `--name=value` flags, e.g. COPY --from, RUN --mount, HEALTHCHECK --interval. */
  flags: Record<string, string>;
  /** The rest of the line, flags removed. */
  args: string;
}

export interface Stage {
  name: string;
  from: string;
  steps: Instruction[];
}

const KNOWN = new Set(['WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD']);

/** Joins continuation lines, drops comments and the parser directive. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(current + line);
    current = '';
  }
  return lines;
}

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (let m = /^--([\w-]+)=(\S+)\s+/.exec(args); m; m = /^--([\w-]+)=(\S+)\s+/.exec(args)) {
    flags[m[1]!] = m[2]!;
    args = args.slice(m[0].length);
  }
  return { flags, args: args.trim() };
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [, op = '', rest = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const [from = '', as, name] = rest.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), steps: [] });
      continue;
    }
    if (!KNOWN.has(upper)) throw new Error(`Dockerfile instruction the replay does not know: ${line}`);
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${upper} before FROM`);
    stage.steps.push({ op: upper as Instruction['op'], ...splitFlags(rest) });
  }
  return stages;
}

/** Exec-form arguments (`["node", "x.js"]`); shell form is refused: it would put sh in front of node as PID 1. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not exec form: ${args}`);
  return parsed;
}

/** HEALTHCHECK [flags] CMD [...] → its command. */
export function healthcheckCommand(step: Instruction): string[] {
  const m = /^CMD\s+(.*)$/.exec(step.args);
  if (!m) throw new Error(`HEALTHCHECK without CMD: ${step.args}`);
  return execForm(m[1]!);
}

/** `ENV A=1 B=2` (the key=value form only). */
export function envPairs(args: string): Record<string, string> {
  return Object.fromEntries(
    args.split(/\s+/).map((pair) => {
      const i = pair.indexOf('=');
      if (i < 1) throw new Error(`ENV must use key=value: ${args}`);
      return [pair.slice(0, i), pair.slice(i + 1).replace(/^"(.*)"$/, '$1')];
    }),
  );
}
