/** Child-process helpers for tests that start the service the way an operator does. */
import { spawn, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

export interface RunningChild {
  child: ReturnType<typeof spawn>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Spawns argv[0] with argv[1..]; stdout is dropped, stderr kept for assertions. */
export function run(argv: string[], options: SpawnOptions): RunningChild {
  const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** Polls GET url until it answers (any status) or the deadline passes; gives up early if the process died. */
export async function waitForAnswer(url: string, proc: RunningChild, deadlineMs = 20_000): Promise<Response> {
  const until = Date.now() + deadlineMs;
  let dead = false;
  void proc.exited.then(() => { dead = true; });
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (dead) throw new Error(`the service exited before answering:\n${proc.stderr()}`);
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
