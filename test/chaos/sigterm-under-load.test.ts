/**
 * Chaos: SIGTERM while the service is under load. Real: the server runs as a
 * child process (node --import tsx src/server.ts, as `npm run dev` does) on a
 * fresh Postgres database and its own Redis prefix; the test drives it over
 * keep-alive HTTP connections, the way a telco gateway or an API client does.
 */
import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../src/db/database.js';
import { startServerChild } from '../support/server-child.js';
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix, type TestDatabase } from '../support/services.js';
import { cleanUpSpawnedServices } from '../support/spawned-service.js';
import { seedUser } from '../support/users.js';

/** Kubernetes' default terminationGracePeriodSeconds: after it the pod is SIGKILLed. */
const KUBERNETES_GRACE_MS = 30_000;
const WORKERS = 16;

let database: TestDatabase;
const redisPrefix = uniqueRedisPrefix('sigterm');
const phones: string[] = [];

/** Starts src/server.ts as a child process on the suite's database and Redis prefix; resolves once /health is 200. */
const startServer = () =>
  startServerChild({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    BCRYPT_COST: '10',
    // Each API client gets its own X-Forwarded-For, so the per-IP limits do not turn the load into 429s.
    TRUST_PROXY: 'true',
  });

beforeAll(async () => {
  database = await createTestDatabase('sigterm');
  const db = createPostgresDatabase(database.url);
  // The schema comes from the first server start; users are added right after.
  const first = await startServer();
  for (let i = 0; i < WORKERS * 4; i += 1) phones.push((await seedUser(db, { language: i % 2 ? 'en' : 'fr' })).phone);
  await db.close();
  first.child.kill('SIGKILL');
}, 60_000);

afterAll(async () => {
  await cleanUpSpawnedServices(); // SIGKILLs every server child still running
  await database?.drop();
});

interface Outcome {
  what: string;
  /** When the request's last byte left the client (performance.now()); undefined if it never did. */
  writtenAt?: number;
  reusedSocket: boolean;
  status?: number;
  error?: string;
  answeredAt?: number;
}

interface Target {
  port: number;
  agent: http.Agent;
}

function send(
  to: Target,
  path: string,
  contentType: string,
  body: string,
  what: string,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { what, reusedSocket: false };
    const req = http.request(
      {
        host: '127.0.0.1',
        port: to.port,
        path,
        method: 'POST',
        agent: to.agent,
        headers: { 'content-type': contentType, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ...outcome, status: res.statusCode }));
        res.on('error', (err) => resolve({ ...outcome, error: (err as NodeJS.ErrnoException).code ?? err.message }));
      },
    );
    req.on('socket', () => {
      outcome.reusedSocket = req.reusedSocket;
    });
    req.on('finish', () => {
      outcome.writtenAt = performance.now();
    });
    req.on('error', (err) => resolve({ ...outcome, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.setTimeout(KUBERNETES_GRACE_MS, () => req.destroy(new Error('client timeout')));
    req.end(body);
  });
}

/** One request of the mix: USSD dials and menu choices (a reset request each), and API starts. */
function oneRequest(to: Target, worker: number, n: number): Promise<Outcome> {
  const phone = phones[(worker * 4 + (n % 4)) % phones.length]!;
  /** An AT hop of session `s-<worker>-<session>`. */
  const ussd = (session: number, text: string, what: string) =>
    send(
      to,
      '/gateways/africastalking/ussd',
      'application/x-www-form-urlencoded',
      String(
        new URLSearchParams({ sessionId: `s-${worker}-${session}`, phoneNumber: phone, serviceCode: '*384*1#', text }),
      ),
      what,
    );
  switch (n % 3) {
    case 0:
      return ussd(n >> 1, '', 'ussd dial');
    case 1:
      return ussd((n - 1) >> 1, '1', 'ussd menu choice');
    default:
      return send(
        to,
        '/v1/reset/start',
        'application/json',
        JSON.stringify({ kind: 'password', identifier: `+22178${String(randomInt(0, 10_000_000)).padStart(7, '0')}` }),
        'api start',
        { 'x-forwarded-for': `10.${randomInt(0, 255)}.${randomInt(0, 255)}.${randomInt(1, 255)}` },
      );
  }
}

interface LoadRun {
  outcomes: Outcome[];
  sentBefore: number;
  killAt: number;
  exit: { code: number | null; signal: NodeJS.Signals | null; at: number } | null;
  /** When the last request written before SIGTERM got its answer. */
  lastAnswerAt: number;
}

/**
 * Runs WORKERS keep-alive clients against a fresh server child, sends SIGTERM
 * mid-load, keeps sending for `keepSendingMs` after it, then waits up to
 * `waitExitMs` for the exit (the idle keep-alive connections stay open meanwhile).
 */
async function sigtermUnderLoad(keepSendingMs: number, waitExitMs: number): Promise<LoadRun> {
  const { child, port } = await startServer();
  const to: Target = { port, agent: new http.Agent({ keepAlive: true, maxSockets: WORKERS }) };
  const outcomes: Outcome[] = [];
  let stop = false;
  const exited = new Promise<NonNullable<LoadRun['exit']>>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  void exited.then(() => {
    stop = true;
  });
  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    for (let n = 0; !stop; n += 1) {
      const o = await oneRequest(to, w, n);
      o.answeredAt = performance.now();
      outcomes.push(o);
      // A refused connection fails at once: do not spin on it.
      if (o.error) await new Promise((r) => setTimeout(r, 20));
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  const sentBefore = outcomes.length;
  const killAt = performance.now();
  child.kill('SIGTERM');
  setTimeout(() => {
    stop = true;
  }, keepSendingMs);
  await Promise.all(workers);
  const exit = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), waitExitMs))]);
  to.agent.destroy();
  const answeredBefore = outcomes.filter(
    (o) => o.writtenAt !== undefined && o.writtenAt < killAt && o.status !== undefined,
  );
  const lastAnswerAt = Math.max(killAt, ...answeredBefore.map((o) => o.answeredAt ?? killAt));
  return { outcomes, sentBefore, killAt, exit, lastAnswerAt };
}

/** The requests written before SIGTERM that got no answer, and every 5xx. */
function failures(run: LoadRun) {
  return {
    fiveXx: run.outcomes.filter((o) => o.status !== undefined && o.status >= 500).map((o) => `${o.what}: ${o.status}`),
    lostInFlight: run.outcomes
      .filter((o) => o.writtenAt !== undefined && o.writtenAt < run.killAt && o.status === undefined)
      .map((o) => `${o.what} (reused socket: ${o.reusedSocket}): ${o.error}`),
  };
}

describe('SIGTERM under load', () => {
  it('answers every request sent before SIGTERM (no 5xx, no reset) while clients keep sending, and exits with code 0', async () => {
    const run = await sigtermUnderLoad(1000, KUBERNETES_GRACE_MS);
    expect(run.sentBefore, 'load was running before SIGTERM').toBeGreaterThan(50);
    expect(failures(run)).toEqual({ fiveXx: [], lostInFlight: [] });
    expect(run.exit, `the server did not exit within ${KUBERNETES_GRACE_MS} ms of SIGTERM`).not.toBeNull();
    expect({ code: run.exit!.code, signal: run.exit!.signal }).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('exits with code 0 soon after answering the in-flight requests when clients go quiet but keep their connections open', async () => {
    // A telco gateway or load balancer keeps idle keep-alive connections; they must not hold the shutdown.
    const PROMPT_EXIT_MS = 5000;
    const run = await sigtermUnderLoad(0, PROMPT_EXIT_MS + 2000);
    expect(failures(run)).toEqual({ fiveXx: [], lostInFlight: [] });
    expect(
      run.exit,
      `the server was still running ${Math.round(performance.now() - run.lastAnswerAt)} ms after its last in-flight answer`,
    ).not.toBeNull();
    expect(run.exit!.at - run.lastAnswerAt).toBeLessThanOrEqual(PROMPT_EXIT_MS);
    expect({ code: run.exit!.code, signal: run.exit!.signal }).toEqual({ code: 0, signal: null });
  }, 60_000);
});
