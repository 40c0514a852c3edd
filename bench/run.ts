/**
 * npm run bench: the service side by side with a bare Koa+Redis baseline and
 * a ussd-menu-builder peer, on loopback, on a fresh database and Redis prefix.
 * Prints a table and writes bench/results/latest.json. See bench/README.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcrypt';
import { Redis } from 'ioredis';
import { startFakeAt } from './fake-at.js';
import { HOP_PATH, ROOT, freePort, rssMb, startServer, type Child } from './lib.js';
import { enumeration, enumerationUsers } from './scenarios/enumeration.js';
import { resetFlow } from './scenarios/flow.js';
import { hopKinds } from './scenarios/hop-kinds.js';
import { BENCH_REDIS_CLUSTER_NODES, clusterRow, clusterUnavailable } from './scenarios/cluster.js';
import { brokerLatency, brokerLatencyRow } from './scenarios/kafka.js';
import { latency, throughput, type Target } from './scenarios/hops.js';
import { liveDialogs } from './scenarios/memory.js';
import { REDIS_URL, buildAll, createEnv, deletePrefix, serviceEnv, type Env } from './setup.js';

const USERS = 150_000;
// Disjoint phone ranges (Senegal users 0..USERS-1), so every dial of every scenario is a phone's first.
const PHONES = {
  warm: 0,
  memory: 10_000,
  throughput: 20_000,
  latency: 80_000,
  flowLight: 100_000,
  flowUsers: 110_000,
  cached: 130_000,
  redial: 135_000,
  restore: 140_000,
  cluster: 145_000,
  unknown: 5_000_000, // past USERS: callers never seen
};
// Issue 12's hop kinds: 2 rounds each; prepared kinds hop each of their phones once.
const KIND_ROUND = { rounds: 2, seconds: 3, connections: 32, perRound: 2500 };
const ENUM = { each: 2000, warmup: 100 };
const BUDGET_MS = 420_000;

const children: Child[] = [];
let env: Env | undefined;
let fakeAt: Awaited<ReturnType<typeof startFakeAt>> | undefined;
const redis = new Redis(REDIS_URL);
const log = (msg: string) =>
  process.stderr.write(`[bench ${((performance.now() / 1000) | 0).toString().padStart(3)}s] ${msg}\n`);

async function cleanup() {
  await Promise.allSettled(children.map((c) => c.stop()));
  await fakeAt?.close();
  if (env) {
    const deleted = await deletePrefix(redis, env.prefix).catch(() => -1);
    await env.drop().catch((err) => log(`drop database failed: ${(err as Error).message}`));
    log(`cleaned up: database ${env.dbName} dropped, ${deleted} Redis keys under ${env.prefix} deleted`);
    env = undefined;
  }
  redis.disconnect();
}

// BENCH_PROFILE=1: the service processes write V8 CPU profiles to bench/.build/prof (see bench/README.md).
const profile = (name: string) =>
  process.env.BENCH_PROFILE && name.startsWith('service')
    ? [
        '--cpu-prof',
        '--cpu-prof-dir=bench/.build/prof',
        `--cpu-prof-name=${name.replace(/\W+/g, '-')}-${Date.now()}.cpuprofile`,
      ]
    : [];

// BENCH_SVC_<NAME>=value sets <NAME> for the service processes (what-if runs, e.g. BENCH_SVC_UV_THREADPOOL_SIZE=2).
const overrides = Object.fromEntries(
  Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_SVC_'))
    .map(([k, v]) => [k.slice(10), v ?? '']),
);

async function spawnTarget(
  name: string,
  script: string,
  extra: (port: number) => Record<string, string>,
  hopPath = HOP_PATH,
): Promise<Target & { startupMs: number }> {
  const port = await freePort();
  const env = { ...extra(port), ...(name.startsWith('service') ? overrides : {}) };
  const child = await startServer(name, [...profile(name), script], env, port);
  children.push(child);
  return { name, url: child.url, path: hopPath, pid: child.pid, startupMs: child.startupMs };
}

/** bcrypt cost-12 hashes per second on this machine now, 4 at a time (libuv's pool size). */
async function bcryptRate(seconds: number) {
  const t0 = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() - t0 < seconds * 1000) {
        await bcrypt.hash('calibration', 12);
        n++;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

async function main() {
  const build = await buildAll();
  log(`dist/server.js: ${build}`);
  env = await createEnv(USERS, enumerationUsers(ENUM.each + ENUM.warmup));
  log(`database ${env.dbName} with ${USERS} users, Redis prefix ${env.prefix}`);
  const e = env;
  const at = (fakeAt = await startFakeAt());
  const plain = (prefix: string) => (port: number) => ({
    PORT: String(port),
    REDIS_URL,
    REDIS_KEY_PREFIX: `${e.prefix}${prefix}`,
  });
  const base = await spawnTarget('baseline', 'bench/.build/baseline-server.js', plain('base:'));
  const peer = await spawnTarget('peer', 'bench/.build/peer-server.js', plain('peer:'));
  const svcPath = `${HOP_PATH}?token=${e.secrets.AT_WEBHOOK_TOKEN}`;
  const svc = await spawnTarget('service', 'dist/server.js', (port) => serviceEnv(e, port, at.baseUrl), svcPath);
  const all = [svc, base, peer];
  const rssIdle = Object.fromEntries(all.map((t) => [t.name, Math.round(rssMb(t.pid))]));
  log('warm-up: 2 s max load each');
  await throughput(all, redis, e.backendPids, {
    from: PHONES.warm,
    rounds: 1,
    seconds: 2,
    connections: 32,
    perRound: 10_000,
  });

  log('10,000 live dialogs each');
  const prefixes: Record<string, string> = {
    service: `${e.prefix}svc:`,
    baseline: `${e.prefix}base:`,
    peer: `${e.prefix}peer:`,
  };
  const memory: Record<string, Awaited<ReturnType<typeof liveDialogs>>> = {};
  for (const t of all)
    memory[t.name] = await liveDialogs(t, redis, prefixes[t.name]!, { from: PHONES.memory, dialogs: 10_000 });

  log('menu-hop throughput: 3 rounds x 4 s at 32 connections, alternating order');
  const tput = await throughput(all, redis, e.backendPids, {
    from: PHONES.throughput,
    rounds: 3,
    seconds: 4,
    connections: 32,
    perRound: 20_000,
  });

  log(
    'hop kinds: first dial of a caller never seen, of one seen recently, redial onto a live dialog, restore-and-transition',
  );
  const kinds = hopKinds(redis, (t) => prefixes[t.name]!);
  const counters = [all, redis, e.backendPids] as const;
  const hopKindRuns = {
    unknownFirstDial: await throughput(...counters, { ...KIND_ROUND, from: PHONES.unknown, perRound: 20_000 }),
    cachedFirstDial: await throughput(...counters, { ...KIND_ROUND, from: PHONES.cached, kind: kinds.cachedFirstDial }),
    redial: await throughput(...counters, { ...KIND_ROUND, from: PHONES.redial, kind: kinds.redial }),
    restore: await throughput(...counters, { ...KIND_ROUND, from: PHONES.restore, kind: kinds.restore }),
  };

  const clusterSkipped = await clusterUnavailable();
  let clusterHops: Awaited<ReturnType<typeof throughput>> | undefined;
  if (clusterSkipped) log(`Redis Cluster row skipped: ${clusterSkipped}`);
  else {
    log('menu hop on a Redis Cluster beside the single node: 2 rounds x 3 s');
    const onCluster = await spawnTarget(
      'service (cluster)',
      'dist/server.js',
      (port) => ({ ...serviceEnv(e, port, at.baseUrl), REDIS_CLUSTER_NODES: BENCH_REDIS_CLUSTER_NODES }),
      svcPath,
    );
    clusterHops = await throughput([svc, onCluster], redis, e.backendPids, {
      from: PHONES.cluster,
      rounds: 2,
      seconds: 3,
      connections: 32,
      perRound: 2500,
    });
  }
  const cluster = clusterHops
    ? { single: clusterHops.service!, cluster: clusterHops['service (cluster)']! }
    : { skipped: clusterSkipped ?? 'not run' };

  log('hop latency at 1,000 hops/s offered: 4 rounds x 2.5 s, service and baseline alternating');
  const lat = await latency([svc, base], { from: PHONES.latency, rate: 1000, seconds: 2.5, rounds: 4 });

  log('enumeration timing: 2 x 2,000 POST /v1/reset/start, one at a time');
  const enumTiming = await enumeration(svc, ENUM);

  await Promise.all(children.splice(0).map((c) => c.stop()));
  log('bcrypt calibration: 2.5 s in the bench process now and 2.5 s after the resets (the machine is shared)');
  const bcryptBefore = await bcryptRate(2.5);

  const sidePort = await freePort();
  const inst = await spawnTarget(
    'service (instrumented)',
    'bench/.build/instrumented-server.js',
    (port) => ({ ...serviceEnv(e, port, at.baseUrl), BENCH_SIDE_PORT: String(sidePort) }),
    svcPath,
  );
  log('PIN resets: 8 users for 20 s, with 100 dials/s alongside (and 4 s of the dials alone before)');
  const flow = await resetFlow(inst, `http://127.0.0.1:${sidePort}`, at.codeFor, {
    users: 8,
    seconds: 20,
    lightRate: 100,
    idleSeconds: 4,
    userFrom: PHONES.flowUsers,
    lightFrom: PHONES.flowLight,
  });
  const bcryptPerSec = (bcryptBefore + (await bcryptRate(2.5))) / 2;

  log('publish-to-consume latency: the same events through the Kafka and RabbitMQ publishers, 200 events/s');
  const brokers = await brokerLatency({ events: 300, warmup: 30, ratePerSec: 200 });

  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    build,
    overrides,
    startupMs: { service: svc.startupMs, instrumented: inst.startupMs, baseline: base.startupMs, peer: peer.startupMs },
    rssIdleMb: rssIdle,
    memory,
    throughput: tput,
    hopKinds: hopKindRuns,
    latency: lat,
    flow: { ...flow, bcryptPerSec, ceilingResetsPerSec: bcryptPerSec / 3 },
    enumeration: enumTiming,
    brokers,
    cluster,
  };
}

type Results = Awaited<ReturnType<typeof main>>;

function report(r: Results) {
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const pct = (a: number, b: number) => `${f((a / b) * 100)}%`;
  const x = (a: number, b: number) => `${f(a / b, 2)}x`;
  const t = r.throughput,
    l = r.latency,
    m = r.memory,
    fl = r.flow,
    en = r.enumeration;
  // Issue 12 compares growth: what 10k live dialogs add to the process, not its idle size.
  const growth = (name: string) => m[name]!.rssAfterMb - r.rssIdleMb[name]!;
  const targets = {
    throughputVsBaseline: t.service!.rps >= 0.6 * t.baseline!.rps,
    throughputVsPeer: t.service!.rps >= t.peer!.rps,
    p99VsBaseline: l.service!.p99 <= 2 * l.baseline!.p99,
    p99Under15ms: l.service!.p99 <= 15,
    eldUnder20ms: fl.eldDuringResets.p99 < 20,
    redisUnder2KB: m.service!.bytesPerDialog < 2048,
    rssGrowthVsBaseline: growth('service') <= 1.5 * growth('baseline'),
    enumerationIndistinguishable: en.indistinguishable,
  };
  const ok = (b: boolean) => (b ? 'met' : 'MISSED');
  type Row = (typeof t)[string];
  // Targets of issue 12: minimum share of the baseline's and of the peer's hops/s.
  const kindRows = (label: string, k: Record<string, Row>, target: { base?: number; peer?: number; text?: string }) => [
    [
      label,
      f(k.service!.rps),
      f(k.baseline!.rps),
      f(k.peer!.rps),
      `svc/base ${pct(k.service!.rps, k.baseline!.rps)}, svc/peer ${pct(k.service!.rps, k.peer!.rps)}`,
      [
        target.base && `>=${target.base * 100}% base ${ok(k.service!.rps >= target.base * k.baseline!.rps)}`,
        target.peer && `>=peer ${ok(k.service!.rps >= target.peer * k.peer!.rps)}`,
        target.text,
      ]
        .filter(Boolean)
        .join('; '),
    ],
    [
      '  CPU ms/hop: proc|Redis|PG',
      ...[k.service!, k.baseline!, k.peer!].map(
        (s) => `${f(s.cpuMsPerHop!, 3)}|${f(s.redisCpuMsPerHop!, 3)}|${f(s.pgCpuMsPerHop!, 3)}`,
      ),
      '',
      '',
    ],
    [
      '  Redis commands/hop; bad',
      ...[k.service!, k.baseline!, k.peer!].map((s) => `${f(s.redisCmdsPerHop!, 1)}; ${s.bad}/${s.total}`),
      '',
      '',
    ],
  ];
  const hk = r.hopKinds;
  const rows: string[][] = [
    ['metric', 'service', 'baseline', 'peer', 'ratio (same run)', 'target'],
    [
      'start-up to 200 /health, ms',
      f(r.startupMs.service),
      f(r.startupMs.baseline),
      f(r.startupMs.peer),
      `svc/base ${x(r.startupMs.service, r.startupMs.baseline)}`,
      '-',
    ],
    [
      'first dial, known caller (menu hop), hops/s',
      f(t.service!.rps),
      f(t.baseline!.rps),
      f(t.peer!.rps),
      `svc/base ${pct(t.service!.rps, t.baseline!.rps)}, svc/peer ${pct(t.service!.rps, t.peer!.rps)}`,
      `>=60% base ${ok(targets.throughputVsBaseline)}; >=peer ${ok(targets.throughputVsPeer)}`,
    ],
    [
      '  CPU ms/hop: proc|Redis|PG',
      ...[t.service!, t.baseline!, t.peer!].map(
        (s) => `${f(s.cpuMsPerHop!, 3)}|${f(s.redisCpuMsPerHop!, 3)}|${f(s.pgCpuMsPerHop!, 3)}`,
      ),
      `svc/base ${x(t.service!.cpuMsPerHop!, t.baseline!.cpuMsPerHop!)} (process)`,
      'Redis is shared: noisy',
    ],
    [
      '  Redis commands/hop',
      f(t.service!.redisCmdsPerHop!, 1),
      f(t.baseline!.redisCmdsPerHop!, 1),
      f(t.peer!.redisCmdsPerHop!, 1),
      '',
      '',
    ],
    [
      '  bad replies (non-CON/5xx/err)',
      `${t.service!.bad}/${t.service!.total}`,
      `${t.baseline!.bad}/${t.baseline!.total}`,
      `${t.peer!.bad}/${t.peer!.total}`,
      '',
      '0',
    ],
    ...kindRows('first dial, caller seen recently, hops/s', hk.cachedFirstDial, { base: 0.6, peer: 1 }),
    ...kindRows('first dial, caller never seen, hops/s', hk.unknownFirstDial, { base: 0.3 }),
    ...kindRows('redial onto a live dialog, hops/s', hk.redial, { base: 0.6 }),
    ...kindRows('restore-and-transition hop, hops/s', hk.restore, { text: '>=1.5x the figure before issue 12' }),
    [
      'hop p50/p95/p99 @1000/s, ms (median of rounds)',
      `${f(l.service!.p50, 1)}/${f(l.service!.p95, 1)}/${f(l.service!.p99, 1)}`,
      `${f(l.baseline!.p50, 1)}/${f(l.baseline!.p95, 1)}/${f(l.baseline!.p99, 1)}`,
      '-',
      `p99 svc/base ${x(l.service!.p99, l.baseline!.p99)}`,
      `<=2x ${ok(targets.p99VsBaseline)}; <=15ms ${ok(targets.p99Under15ms)}`,
    ],
    [
      '  p99 of each round, ms',
      l.service!.roundsP99.join(' '),
      l.baseline!.roundsP99.join(' '),
      '-',
      `achieved ${f(l.service!.rps)} / ${f(l.baseline!.rps)} hops/s`,
      '',
    ],
    [
      'Redis B/dialog (MEMORY USAGE)',
      f(m.service!.bytesPerDialog),
      f(m.baseline!.bytesPerDialog),
      f(m.peer!.bytesPerDialog),
      `svc/base ${x(m.service!.bytesPerDialog, m.baseline!.bytesPerDialog)}`,
      `<2048 ${ok(targets.redisUnder2KB)}`,
    ],
    [
      '  by key kind (service)',
      Object.entries(m.service!.bytesPerDialogByKind)
        .map(([k, b]) => `${k} ${b}`)
        .join(', '),
      '',
      '',
      '',
      '',
    ],
    [
      'Redis B/dialog (INFO delta)',
      f(m.service!.infoDeltaPerDialog),
      f(m.baseline!.infoDeltaPerDialog),
      f(m.peer!.infoDeltaPerDialog),
      'shared Redis: noisy',
      '-',
    ],
    [
      'RSS idle -> after 10k dials, MB',
      `${r.rssIdleMb.service} -> ${m.service!.rssAfterMb}`,
      `${r.rssIdleMb.baseline} -> ${m.baseline!.rssAfterMb}`,
      `${r.rssIdleMb.peer} -> ${m.peer!.rssAfterMb}`,
      `growth svc/base ${x(growth('service'), growth('baseline'))}`,
      `growth <=1.5x base ${ok(targets.rssGrowthVsBaseline)}`,
    ],
    [
      `PIN resets/s, ${fl.users} users`,
      f(fl.resetsPerSec, 2),
      `ceiling ${f(fl.ceilingResetsPerSec, 2)}`,
      '-',
      `of bcrypt ceiling ${pct(fl.resetsPerSec, fl.ceilingResetsPerSec)}`,
      `${fl.resets} done, ${fl.lateAnswers} late END, ${fl.failed} failed`,
    ],
    ['  reset p50/p99, ms', `${f(fl.resetMs.p50)}/${f(fl.resetMs.p99)}`, '', '', '', ''],
    [
      'hop p99 @100/s idle -> resets, ms',
      `${f(fl.hopIdle.p99, 1)} -> ${f(fl.hopDuringResets.p99, 1)}`,
      '',
      '',
      `x${f(fl.hopDuringResets.p99 / fl.hopIdle.p99, 1)}`,
      '-',
    ],
    [
      'ELD p99 idle -> resets, ms',
      `${f(fl.eldIdle.p99, 1)} -> ${f(fl.eldDuringResets.p99, 1)}`,
      '',
      '',
      `max ${f(fl.eldDuringResets.max, 1)}`,
      `<20 ${ok(targets.eldUnder20ms)}`,
    ],
    [
      'start/ median known/unknown, ms',
      `${f(en.knownMedianMs, 2)}/${f(en.unknownMedianMs, 2)}`,
      '',
      '',
      `diff ${f(en.diffPct, 1)}%, MW p=${en.p.toPrecision(2)}`,
      `${en.indistinguishable ? 'indistinguishable' : 'DISTINGUISHABLE'} (n=${en.n}+${en.n}, ${en.bad} non-202)`,
    ],
    brokerLatencyRow(r.brokers),
    clusterRow(r.cluster),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('-|-'));
  process.stdout.write(
    `\n${lines.join('\n')}\n\nbuild: ${r.build}; node ${r.node}; ${r.cpus} CPUs; overrides ${JSON.stringify(r.overrides)}\n`,
  );
  return targets;
}

const watchdog = setTimeout(() => {
  log(`over ${BUDGET_MS / 1000} s: aborting`);
  void cleanup().finally(() => process.exit(2));
}, BUDGET_MS);
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

try {
  const results = await main();
  await cleanup();
  const targets = report(results);
  writeFileSync(path.join(ROOT, 'bench/results/latest.json'), `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
  log(`wrote bench/results/latest.json in ${(performance.now() / 1000).toFixed(0)} s`);
} catch (err) {
  log(`failed: ${(err as Error).stack ?? err}`);
  await cleanup();
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
}
