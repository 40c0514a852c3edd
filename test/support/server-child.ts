/**
 * The service as a second process beside the test (`node --import tsx
 * src/server.ts`, as `npm run dev` runs it), for the chaos tests that signal
 * it or split load between it and the in-process service.
 */
import { freePort, spawnService, type SpawnedService } from './spawned-service.js';

export interface ServerChild extends SpawnedService {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
}

/**
 * Spawns the service on a free port with `env` (PORT is set here) and resolves once
 * GET /health answers 200; throws with its stderr if it exits first or is not up within 30 s.
 */
export async function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = spawnService({ ...env, PORT: String(port) });
  for (const until = Date.now() + 30_000; ;) {
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { ...service, port, url };
    if (service.child.exitCode !== null || Date.now() > until)
      throw new Error(`server did not start: ${service.stderr().slice(-500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
