/**
 * Two (or more) server builds side by side on issue 12's hop kinds, in one run: the same database,
 * each build on its own Redis prefix, rounds alternating between them. Process CPU per hop is the
 * figure to compare (hops/s moves with the machine's other load). Not part of `npm run bench`.
 * Usage: BUILDS='{"before":"bench/.build/before/server.js","after":"dist/server.js"}' \
 *   [ROUNDS=6] [ROWS=known,unknown,cached,redial,restore] [PROFILE=1] npx tsx bench/ab-builds.ts
 * A build to compare is a bundle of src/server.ts copied under bench/.build/<dir>/ (so node_modules
 * resolves); PROFILE=1 writes a V8 CPU profile per build to bench/.build/prof/.
 */
import { Redis } from 'ioredis';
import { startFakeAt } from './fake-at.js';
import { HOP_PATH, freePort, startServer } from './lib.js';
import { hopKinds } from './scenarios/hop-kinds.js';
import { throughput, type Target } from './scenarios/hops.js';
import { REDIS_URL, buildAll, createEnv, deletePrefix, serviceEnv } from './setup.js';

const builds: Record<string, string> = JSON.parse(process.env.BUILDS ?? '{"current":"dist/server.js"}');
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const ROWS = new Set((process.env.ROWS ?? 'known,unknown,cached,redial,restore').split(','));
const USERS = 30_000;

await buildAll();
const env = await createEnv(USERS, []);
const at = await startFakeAt();
const redis = new Redis(REDIS_URL);
const stops: (() => Promise<void>)[] = [];
try {
  const targets: Target[] = [];
  for (const [name, script] of Object.entries(builds)) {
    const port = await freePort();
    const profile = process.env.PROFILE
      ? ['--cpu-prof', '--cpu-prof-dir=bench/.build/prof', `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
      : [];
    const childEnv = { ...serviceEnv(env, port, at.baseUrl), REDIS_KEY_PREFIX: `${env.prefix}${name}:` };
    const child = await startServer(name, [...profile, script], childEnv, port);
    stops.push(child.stop);
    targets.push({ name, url: child.url, path: `${HOP_PATH}?token=${env.secrets.AT_WEBHOOK_TOKEN}`, pid: child.pid });
  }
  const counters = [targets, redis, env.backendPids] as const;
  // Warm-up (JIT), on callers never seen.
  await throughput(...counters, { from: 5_000_000, rounds: 2, seconds: 2, connections: 32, perRound: 20_000 });
  const kinds = hopKinds(redis, (t) => `${env.prefix}${t.name}:`);
  const round = { rounds: ROUNDS, seconds: 3, connections: 32, perRound: 2500 };
  // Disjoint phone ranges: known callers are the database's users, the others are past them.
  const rows: [string, string, () => ReturnType<typeof throughput>][] = [
    ['known', 'first dial, known caller', () => throughput(...counters, { ...round, from: 0, perRound: 5000 })],
    [
      'unknown',
      'first dial, never seen',
      () => throughput(...counters, { ...round, from: 6_000_000, perRound: 20_000 }),
    ],
    [
      'cached',
      'first dial, seen recently',
      () => throughput(...counters, { ...round, from: 7_000_000, kind: kinds.cachedFirstDial }),
    ],
    ['redial', 'redial', () => throughput(...counters, { ...round, from: 7_100_000, kind: kinds.redial })],
    [
      'restore',
      'restore-and-transition',
      () => throughput(...counters, { ...round, from: 7_200_000, kind: kinds.restore }),
    ],
  ];
  for (const [key, label, run] of rows) {
    if (!ROWS.has(key)) continue;
    const cells = Object.entries(await run()).map(
      ([name, s]) =>
        `${name} ${s.cpuMsPerHop?.toFixed(3)} ms CPU/hop, ${Math.round(s.rps)} hops/s, ${s.redisCmdsPerHop?.toFixed(1)} Redis cmds/hop`,
    );
    console.log(`${label.padEnd(26)} ${cells.join(' | ')}`);
  }
} finally {
  await Promise.allSettled(stops.map((stop) => stop()));
  await deletePrefix(redis, env.prefix);
  await env.drop();
  await at.close();
  redis.disconnect();
}
