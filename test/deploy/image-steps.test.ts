/**
 * The Docker image, built without a daemon: the Dockerfile is parsed and its
 * steps replayed for real in a temporary folder (support/replay-image.ts says
 * what the host stands in for): the .dockerignore'd context is copied, the
 * build stage runs `npm ci` and `npm run build`, the run stage runs the
 * production install, and the image's CMD is started as the image's USER on
 * the real Postgres and Redis of this machine, checked with the image's own
 * HEALTHCHECK, and stopped with SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';
import { freePort, spawnChild, waitForAnswer } from '../support/spawned-service.js';
import { copyBuildContext } from './support/docker-context.js';
import { parseDockerfile, type Stage } from './support/dockerfile.js';
import { replayImage, type ReplayedImage } from './support/replay-image.js';

const repo = path.resolve(import.meta.dirname, '../..');
const stages: Stage[] = parseDockerfile(readFileSync(path.join(repo, 'Dockerfile'), 'utf8'));
const finalStage = stages.at(-1)!;
// Every secret production requires (deploy/k8s/deployment.yaml takes them from molam-secrets).
const secrets = {
  PEPPER: 'p'.repeat(48),
  JWT_RESET_SECRET: 'j'.repeat(48),
  AT_WEBHOOK_TOKEN: 'a'.repeat(32),
  AT_USERNAME: 'molam',
  AT_API_KEY: 'k'.repeat(32),
};

let work: string;
let contextFiles: string[];
let image: ReplayedImage;
let replayMs = 0;
const dbs: TestDatabase[] = [];

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'molam-image-'));
  // mkdtemp makes 0700: the image's non-root user must be able to reach /app.
  chmodSync(work, 0o755);
  contextFiles = copyBuildContext(repo, path.join(work, 'context'));
  const started = performance.now();
  image = replayImage(stages, path.join(work, 'context'), work);
  replayMs = Math.round(performance.now() - started);
  console.info(
    `image replay: ${replayMs} ms; ${image.runs.map((r) => `[${r.stage}] ${r.command}: ${r.ms} ms`).join('; ')}`,
  );
}, 300_000);

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** USER uid[:gid] as numbers, when this runner may switch to them (it is root). */
function imageUser(): { uid: number; gid: number } | undefined {
  const [uid, gid = uid] = (image.user ?? '').split(':').map(Number);
  return process.getuid?.() === 0 && uid !== undefined ? { uid, gid: gid! } : undefined;
}

function startCmd(env: Record<string, string>) {
  return spawnChild(image.cmd, {
    cwd: image.workdir,
    ...imageUser(),
    env: { PATH: process.env.PATH ?? '', ...image.env, LOG_LEVEL: 'warn', ...env },
  });
}

async function healthcheck(port: number): Promise<number | null> {
  return spawnChild(image.healthcheck!, {
    cwd: image.workdir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
  }).exited;
}

/** Major version of the `node` the replay's RUN and CMD find on PATH (the host's, standing in for the image's). */
const replayNodeMajor = () =>
  Number(spawnSync('node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim());

describe('Dockerfile', () => {
  it('builds from a supported Node.js LTS (22 or 24) on alpine in stages, the last one installing production dependencies only (issue 15 item 8)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const [from] = new Set(stages.map((s) => s.from));
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
    const major = Number(/^node:(\d+)-alpine$/.exec(from!)?.[1]);
    expect([22, 24]).toContain(major);
    // `engines` admits the image's line and the Node 20 of CI and developers' machines.
    const { engines } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const minimum = Number(/^>=\s*(\d+)/.exec(engines.node)?.[1]);
    expect(minimum).toBeLessThanOrEqual(20);
    // The replay runs the Node.js found on PATH: the image's line when it is there
    // (PATH=<node 24>/bin:$PATH npx vitest run ...), else the host's (Node 20 here) standing in.
    console.info(`image base ${from}; replay on Node ${replayNodeMajor()}`);
    expect(replayNodeMajor()).toBeGreaterThanOrEqual(minimum);
    const installs = finalStage.steps.filter((s) => s.op === 'RUN' && /\bnpm (ci|install|i)\b/.test(s.args));
    expect(installs.map((s) => s.args)).toEqual([expect.stringMatching(/\bnpm ci\b.*--omit=dev/)]);
    expect(stages[0]!.steps.some((s) => s.op === 'RUN' && /\bnpm run build\b/.test(s.args))).toBe(true);
  });

  it('runs as a non-root user, exposes 8085, health-checks /health/live and starts what `npm start` starts', () => {
    const uid = (image.user ?? 'root').split(':')[0];
    expect(['', 'root', '0']).not.toContain(uid);
    expect(image.expose).toContain('8085');
    // Liveness, not readiness: a dependency outage must not mark every container unhealthy (issue 15 item 9).
    expect(image.healthcheck?.join(' ')).toContain('/health/live');
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(image.cmd.join(' ')).toBe(pkg.scripts.start);
    expect(image.env.NODE_ENV).toBe('production');
  });
});

describe('image build, replayed', () => {
  it('sends a context without .git, node_modules, dist or .env files', () => {
    expect(contextFiles).toContain('src/server.ts');
    expect(contextFiles).toContain('sql/006_password_pin_reset.sql');
    expect(contextFiles.filter((f) => /^(\.git|node_modules|dist|\.ci|test)\/|(^|\/)\.env(\.|$)/.test(f))).toEqual([]);
  });

  it('leaves the bundle, the migrations and production dependencies in the run stage, and no sources or dev tools', () => {
    const at = (p: string) => existsSync(path.join(image.workdir, p));
    expect(at('dist/server.js') && at('sql/006_password_pin_reset.sql') && at('node_modules/pg')).toBe(true);
    expect(
      ['src', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/esbuild', 'node_modules/tsx'].filter(at),
    ).toEqual([]);
    // What alpine needs for bcrypt: its musl prebuilds, so no compiler in the image.
    expect(at('node_modules/bcrypt/prebuilds/linux-x64/bcrypt.musl.node')).toBe(true);
    expect(at('node_modules/bcrypt/prebuilds/linux-arm64/bcrypt.musl.node')).toBe(true);
  });
});

describe('the image started as an operator runs it', () => {
  it('migrates, passes its HEALTHCHECK on real Postgres and Redis, and exits 0 on SIGTERM', async () => {
    const db = await createTestDatabase('image');
    dbs.push(db);
    const port = await freePort();
    const svc = startCmd({ PORT: String(port), DATABASE_URL: db.url, REDIS_URL, ...secrets });
    try {
      const health = await waitForAnswer(`http://127.0.0.1:${port}/health`, svc);
      expect(health.status).toBe(200);
      expect(await healthcheck(port)).toBe(0);
      const user = imageUser();
      if (user)
        expect(readFileSync(`/proc/${svc.child.pid}/status`, 'utf8')).toMatch(
          new RegExp(`^Uid:\\s+${user.uid}\\s`, 'm'),
        );
      // Migrations ran from the image's sql/ folder.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client
        .query("SELECT to_regclass('molam_reset_requests') AS t")
        .finally(() => client.end());
      expect(rows[0].t).toBe('molam_reset_requests');
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).toBe(0);
    expect(await healthcheck(port)).not.toBe(0);
  });

  it('refuses to start without PEPPER, naming it', async () => {
    const { PEPPER: _omitted, ...withoutPepper } = secrets;
    const svc = startCmd({
      PORT: String(await freePort()),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      REDIS_URL,
      ...withoutPepper,
    });
    expect(await svc.exited).not.toBe(0);
    expect(svc.stderr()).toContain('PEPPER');
  });
});
