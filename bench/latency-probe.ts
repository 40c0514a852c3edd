/**
 * A quick A/B of hop latency at a fixed rate, for attribution (issue 12's p99): builds of the
 * service side by side with the baseline, alternating rounds, on a small fresh database.
 * Usage: npx tsx bench/latency-probe.ts [name=path/to/server.js ...] (default: service=dist/server.js)
 * Env: PROBE_RATE (1000), PROBE_ROUNDS (6), PROBE_SECONDS (2.5), BENCH_PROFILE=1 (CPU profiles).
 * A variant is a copy of dist/ under bench/.build/ (node_modules must resolve from it).
 */
import { Redis } from 'ioredis';
import { startFakeAt } from './fake-at.js';
import { HOP_PATH, atForm, cpuSeconds, fixedRate, freePort, pcts, phonePool, startServer, type Child } from './lib.js';
import { REDIS_URL, buildAll, createEnv, deletePrefix, serviceEnv } from './setup.js';

const rate = Number(process.env.PROBE_RATE ?? 1000);
const rounds = Number(process.env.PROBE_ROUNDS ?? 6);
const seconds = Number(process.env.PROBE_SECONDS ?? 2.5);
const perRound = rate * seconds;
const args = process.argv.slice(2);
const variants = (args.length ? args : ['service=dist/server.js']).map((a) => a.split('=') as [string, string]);

await buildAll();
const env = await createEnv(perRound * rounds + 1000, []);
const at = await startFakeAt();
const redis = new Redis(REDIS_URL);
const children: Child[] = [];
try {
  const targets: { name: string; url: string; path: string; pid: number }[] = [];
  for (const [name, script] of [...variants, ['baseline', 'bench/.build/baseline-server.js'] as [string, string]]) {
    const port = await freePort();
    const isSvc = name !== 'baseline';
    const prof =
      process.env.BENCH_PROFILE && isSvc
        ? ['--cpu-prof', '--cpu-prof-dir=bench/.build/prof', `--cpu-prof-name=probe-${name}-${Date.now()}.cpuprofile`]
        : [];
    const childEnv = isSvc
      ? serviceEnv(env, port, at.baseUrl)
      : { PORT: String(port), REDIS_URL, REDIS_KEY_PREFIX: `${env.prefix}base:` };
    const ownPrefix = { ...childEnv, REDIS_KEY_PREFIX: `${env.prefix}${name}:` };
    const child = await startServer(name, [...prof, script], ownPrefix, port);
    children.push(child);
    const hopPath = isSvc ? `${HOP_PATH}?token=${env.secrets.AT_WEBHOOK_TOKEN}` : HOP_PATH;
    targets.push({ name, url: child.url, pid: child.pid, path: hopPath });
  }
  // Warm-up: JIT and connection pools, on phones no round uses.
  for (const t of targets) {
    let i = 0;
    const warmPhone = () => `+22177${String(9_000_000 + i).padStart(7, '0')}`;
    await fixedRate(t.url, t.path, () => atForm(`w_${i++}`, warmPhone(), ''), rate, 1);
  }
  const res = new Map(targets.map((t) => [t.name, { p50: [] as number[], p99: [] as number[], cpu: 0, hops: 0 }]));
  for (let r = 0; r < rounds; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      // Each round's phones are known users dialling for the first time (a Postgres lookup, as in the bench).
      const pool = phonePool(r * perRound, perRound);
      let sid = 0;
      const cpu0 = cpuSeconds(t.pid);
      const run = await fixedRate(t.url, t.path, () => atForm(`p_${r}_${sid++}`, pool(), ''), rate, seconds);
      const s = res.get(t.name)!;
      s.cpu += cpuSeconds(t.pid) - cpu0;
      s.hops += run.total;
      s.p50.push(run.p50);
      s.p99.push(run.p99);
      if (run.bad) process.stderr.write(`${t.name}: ${run.bad} bad replies\n`);
    }
    // The same phones for every target: each target has its own prefix, so each sees a first dial.
  }
  const med = (xs: number[]) => pcts(xs).p50;
  for (const [name, s] of res) {
    const rounds = s.p99.map((x) => x.toFixed(1)).join(' ');
    const cpu = ((s.cpu * 1000) / s.hops).toFixed(3);
    const p = (xs: number[]) => med(xs).toFixed(2);
    console.log(`${name.padEnd(12)} p50 ${p(s.p50)} p99 median ${p(s.p99)} ms (rounds ${rounds}), CPU ${cpu} ms/hop`);
  }
} finally {
  await Promise.allSettled(children.map((c) => c.stop()));
  await at.close();
  await deletePrefix(redis, env.prefix);
  await env.drop();
  redis.disconnect();
}
