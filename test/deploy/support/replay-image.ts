/**
 * Replays a parsed Dockerfile on this host, no daemon: each stage gets its own
 * folder standing in for its root filesystem, COPY copies from the build
 * context or an earlier stage, RUN runs for real in the stage's WORKDIR with
 * the stage's ENV. What the host cannot give is said here, not hidden:
 * - the base image: the `node` on PATH stands in for the image's (node:24-alpine):
 *   the host's Node 20 by default, or Node 24 when put first on PATH (the test
 *   logs which ran); libc differs: glibc here, musl there;
 * - RUN --mount=type=cache: the host's own npm cache (~/.npm) plays the cache;
 * - USER: applied by the caller when it starts CMD (it can switch uid as root).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { envPairs, execForm, healthcheckCommand, type Stage } from './dockerfile.js';

export interface ReplayedImage {
  base: string;
  /** Host folder standing in for the final stage's `/`. */
  root: string;
  /** Host path of the final WORKDIR, where CMD runs. */
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  expose: string[];
  healthcheck: string[] | undefined;
  cmd: string[];
  /** Every RUN with its duration, to report how long the image build takes. */
  runs: { stage: string; command: string; ms: number }[];
}

/** Docker's COPY: a folder source copies its contents; several sources or a trailing `/` make dest a folder. */
function copy(sources: string[], dest: string, destIsDir: boolean) {
  for (const src of sources) {
    const isDir = statSync(src).isDirectory();
    const target = isDir ? dest : destIsDir ? path.join(dest, path.basename(src)) : dest;
    mkdirSync(isDir ? target : path.dirname(target), { recursive: true });
    cpSync(src, target, { recursive: true });
  }
}

export function replayImage(stages: Stage[], contextDir: string, workDir: string): ReplayedImage {
  const roots = new Map<string, string>();
  const runs: ReplayedImage['runs'] = [];
  let last: ReplayedImage | undefined;
  for (const stage of stages) {
    if (roots.has(stage.from)) throw new Error(`replay does not know FROM <stage> (${stage.from})`);
    const root = path.join(workDir, 'stages', stage.name);
    mkdirSync(root, { recursive: true });
    roots.set(stage.name, root);
    const host = (p: string) => path.join(root, p);
    let cwd = '/';
    const env: Record<string, string> = {};
    const image: ReplayedImage = {
      base: stage.from,
      root,
      workdir: host(cwd),
      env,
      user: undefined,
      expose: [],
      healthcheck: undefined,
      cmd: [],
      runs,
    };
    for (const step of stage.steps) {
      const known = {
        COPY: ['from'],
        RUN: ['mount'],
        HEALTHCHECK: ['interval', 'timeout', 'start-period', 'retries'],
      } as Record<string, string[]>;
      for (const flag of Object.keys(step.flags)) {
        if (!known[step.op]?.includes(flag)) throw new Error(`replay does not know ${step.op} --${flag}`);
      }
      switch (step.op) {
        case 'WORKDIR':
          cwd = path.posix.resolve(cwd, step.args);
          mkdirSync(host(cwd), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, envPairs(step.args));
          break;
        case 'COPY': {
          const words = step.args.split(/\s+/);
          const dest = path.posix.resolve(cwd, words.pop()!);
          const fromRoot = step.flags.from ? roots.get(step.flags.from) : undefined;
          if (step.flags.from && !fromRoot) throw new Error(`COPY --from=${step.flags.from}: no such stage`);
          const sources = words.map((w) => (fromRoot ? path.join(fromRoot, w) : path.join(contextDir, w)));
          copy(sources, host(dest), words.length > 1 || step.args.endsWith('/'));
          break;
        }
        case 'RUN': {
          if (step.flags.mount && !step.flags.mount.startsWith('type=cache,'))
            throw new Error(`only cache mounts replay: ${step.flags.mount}`);
          const started = performance.now();
          // Docker's RUN env is the image's ENV and PATH, not the test runner's (vitest sets NODE_ENV=test).
          const out = spawnSync('sh', ['-c', step.args], {
            cwd: host(cwd),
            encoding: 'utf8',
            maxBuffer: 64 << 20,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
          });
          runs.push({ stage: stage.name, command: step.args, ms: Math.round(performance.now() - started) });
          if (out.status !== 0)
            throw new Error(`RUN ${step.args} failed (${out.status}):\n${out.stdout}\n${out.stderr}`);
          break;
        }
        case 'USER':
          image.user = step.args;
          break;
        case 'EXPOSE':
          image.expose.push(...step.args.split(/\s+/));
          break;
        case 'HEALTHCHECK':
          image.healthcheck = healthcheckCommand(step);
          break;
        case 'CMD':
          image.cmd = execForm(step.args);
          break;
      }
      image.workdir = host(cwd);
    }
    last = image;
  }
  if (!last) throw new Error('Dockerfile has no stage');
  return last;
}
