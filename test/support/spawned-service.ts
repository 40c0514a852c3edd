/**
 * The service as an operator starts it, in a child process: `node --import tsx
 * src/server.ts` (the entry point dist/server.js is built from) with exactly
 * the environment given — no NODE_ENV unless the test sets one.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

export interface SpawnedService {
  child: ReturnType<typeof spawn>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

const running = new Set<SpawnedService>();

/** Kills every spawned service still running (a test that failed before its own SIGTERM). */
export function killSpawnedServices(): void {
  for (const service of running) service.child.kill('SIGKILL');
}

export function spawnService(env: Record<string, string>): SpawnedService {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const service = { child, exited, stdout: () => stdout, stderr: () => stderr };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

/** Polls GET <url>/health until it answers (any status); fails early if the process exited. */
export async function waitForHealth(url: string, service: SpawnedService, deadlineMs = 20_000): Promise<Response> {
  const until = Date.now() + deadlineMs;
  let exited = false;
  void service.exited.then(() => { exited = true; });
  for (;;) {
    try {
      return await fetch(`${url}/health`);
    } catch (err) {
      if (exited) throw new Error(`the service exited before answering:\n${service.stderr()}`);
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
