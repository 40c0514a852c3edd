/**
 * Child processes for tests that start the service the way an operator does.
 * spawnService: `node --import tsx src/server.ts` (the entry point
 * dist/server.js is built from) with exactly the environment given — no
 * NODE_ENV unless the test sets one. spawnChild: any command (the deploy
 * tests start the image's CMD and HEALTHCHECK with it).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './services.js';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface SpawnedService {
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

const running = new Set<SpawnedService>();
const databases: TestDatabase[] = [];

/** Kills every spawned child still running (a test that failed before its own SIGTERM), then drops the databases of freshBackends. */
export async function cleanUpSpawnedServices(): Promise<void> {
  for (const service of running) service.child.kill('SIGKILL');
  await Promise.all(databases.splice(0).map((d) => d.drop()));
}

/** Spawns argv[0] with argv[1..]; stdout and stderr are kept for assertions. */
export function spawnChild(argv: string[], options: SpawnOptions = {}): SpawnedService {
  const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const service = { child, exited, stdout: () => stdout, stderr: () => stderr };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

export const spawnService = (env: Record<string, string>): SpawnedService =>
  spawnChild([process.execPath, '--import', 'tsx', 'src/server.ts'], { env: { PATH: process.env.PATH ?? '', ...env } });

/**
 * A free port, and a fresh database and Redis key prefix no other test uses,
 * as the service's PORT, DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX; `url`
 * is the service's address on 127.0.0.1. cleanUpSpawnedServices drops the database.
 */
export async function freshBackends(label: string) {
  const db = await createTestDatabase(label);
  databases.push(db);
  const port = await freePort();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    env: { PORT: String(port), DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix(label) },
  };
}

/** Polls GET url until it answers (any status); fails early if the process exited. */
export async function waitForAnswer(url: string, service: SpawnedService, deadlineMs = 20_000): Promise<Response> {
  const until = Date.now() + deadlineMs;
  let exited = false;
  void service.exited.then(() => {
    exited = true;
  });
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (exited) throw new Error(`the service exited before answering:\n${service.stderr()}`);
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Polls GET <url>/health until it answers (any status); fails early if the process exited. */
export const waitForHealth = (url: string, service: SpawnedService, deadlineMs?: number) =>
  waitForAnswer(`${url}/health`, service, deadlineMs);

/** Runs `use` against the running service, then sends it SIGTERM (also when `use` threw); resolves with its exit code. */
export async function untilSigterm(service: SpawnedService, use: () => Promise<void>): Promise<number | null> {
  try {
    await use();
  } finally {
    service.child.kill('SIGTERM');
  }
  return service.exited;
}
