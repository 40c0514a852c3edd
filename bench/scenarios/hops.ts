/** Menu-hop throughput at max load, and hop latency at a fixed offered rate. */
import type { Redis } from 'ioredis';
import { atForm, cpuSeconds, dials, fixedRate, maxLoad, pcts, phone, phonePool, type LoadResult } from '../lib.js';

/** A server under test: the service needs ?token= on the webhook path. */
export interface Target {
  name: string;
  url: string;
  path: string;
  pid: number;
}

type Run = LoadResult & { cpuMs?: number; redisCpuMs?: number; pgCpuMs?: number; redisCmds?: number };
type Counter = 'cpuMs' | 'redisCpuMs' | 'pgCpuMs' | 'redisCmds';
const sum = (runs: Run[], k: 'total' | 'bad' | Counter) => runs.reduce((s, r) => s + (r[k] ?? 0), 0);

const summary = (runs: Run[]) => {
  const total = sum(runs, 'total');
  const perHop = (k: Counter) => (runs[0]?.[k] === undefined ? undefined : sum(runs, k) / total);
  return {
    rps: runs.reduce((s, r) => s + r.rps, 0) / runs.length,
    total,
    bad: sum(runs, 'bad'),
    ...pcts(runs.flatMap((r) => r.lat)),
    rounds: runs.map((r) => Math.round(r.rps)),
    cpuMsPerHop: perHop('cpuMs'),
    redisCpuMsPerHop: perHop('redisCpuMs'),
    pgCpuMsPerHop: perHop('pgCpuMs'),
    redisCmdsPerHop: perHop('redisCmds'),
  };
};

/** Redis CPU seconds and commands so far (the Redis is shared: other clients add noise). */
async function redisCounters(redis: Redis) {
  const info = await redis.info();
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return { cpu: num('used_cpu_user') + num('used_cpu_sys'), cmds: num('total_commands_processed') };
}

/**
 * Rounds alternate the order (A B C, C B A, ...) so a noisy neighbour or
 * a warming Redis does not favour one server. Each target gets the same
 * phones (disjoint per round): every hop is a dial on a fresh session.
 */
/** CPU seconds of the Postgres backends serving the bench database (`pids` lists them now). */
async function pgCpu(pids: () => Promise<number[]>, before?: Map<number, number>) {
  const now = new Map(
    (await pids()).map((pid) => [
      pid,
      (() => {
        try {
          return cpuSeconds(pid);
        } catch {
          return 0;
        }
      })(),
    ]),
  );
  if (!before) return { now, spent: 0 };
  return { now, spent: [...now].reduce((s, [pid, cpu]) => s + cpu - (before.get(pid) ?? 0), 0) };
}

/**
 * A kind of hop (issue 12's rows). `prepare` brings the round's phones into
 * the state the hop needs (untimed); `hop` is the measured request for the
 * phone's `n`th number. Without a kind every hop is a first dial.
 */
export interface HopKind {
  prepare?: (t: Target, phones: string[], round: number) => Promise<void>;
  hop: (phone: string, round: number) => string;
}

export async function throughput(
  targets: Target[],
  redis: Redis,
  pgPids: () => Promise<number[]>,
  o: { from: number; rounds: number; seconds: number; connections: number; perRound: number; kind?: HopKind },
) {
  const runs = new Map<string, Run[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      const from = o.from + r * o.perRound;
      const kind = o.kind;
      if (kind?.prepare)
        await kind.prepare(
          t,
          Array.from({ length: o.perRound }, (_, i) => phone(from + i)),
          r,
        );
      const pool = phonePool(from, o.perRound);
      // A prepared kind runs exactly its prepared phones once (a wrap would replay hops); others run for `seconds`.
      const body = kind ? () => kind.hop(pool(), r) : dials(pool);
      const [cpu0, redis0, pg0] = [cpuSeconds(t.pid), await redisCounters(redis), await pgCpu(pgPids)];
      const run = await maxLoad(t.url, t.path, body, {
        connections: o.connections,
        seconds: o.seconds,
        ...(kind?.prepare ? { amount: o.perRound } : {}),
      });
      const [cpu1, redis1, pg1] = [cpuSeconds(t.pid), await redisCounters(redis), await pgCpu(pgPids, pg0.now)];
      runs.get(t.name)!.push({
        ...run,
        cpuMs: (cpu1 - cpu0) * 1000,
        redisCpuMs: (redis1.cpu - redis0.cpu) * 1000,
        pgCpuMs: pg1.spent * 1000,
        redisCmds: redis1.cmds - redis0.cmds,
      });
    }
  }
  return Object.fromEntries([...runs].map(([name, rs]) => [name, summary(rs)]));
}

/**
 * Open-loop dials at `rate`/s, alternating targets in short rounds. Reported
 * percentiles are the median over rounds of each round's percentile: a burst
 * from a neighbour on this shared machine spoils one round, not the figure.
 */
export async function latency(targets: Target[], o: { from: number; rate: number; seconds: number; rounds: number }) {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  const perRound = o.rate * o.seconds;
  for (let r = 0; r < o.rounds; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      const pool = phonePool(o.from + r * perRound, perRound);
      let sid = 0;
      runs
        .get(t.name)!
        .push(await fixedRate(t.url, t.path, () => atForm(`lat_${r}_${sid++}`, pool(), ''), o.rate, o.seconds));
    }
  }
  const mid = (xs: number[]) => pcts(xs).p50;
  return Object.fromEntries(
    [...runs].map(([name, rs]) => [
      name,
      {
        rps: rs.reduce((s, r) => s + r.rps, 0) / rs.length,
        total: sum(rs, 'total'),
        bad: sum(rs, 'bad'),
        p50: mid(rs.map((r) => r.p50)),
        p95: mid(rs.map((r) => r.p95)),
        p99: mid(rs.map((r) => r.p99)),
        roundsP99: rs.map((r) => Math.round(r.p99 * 10) / 10),
        pooledP99: pcts(rs.flatMap((r) => r.lat)).p99,
      },
    ]),
  );
}
