/**
 * The menu hop on a Redis Cluster beside the same service on the single node, in the
 * same run (issue 13 item 7). The cluster is scripts/redis-cluster.sh's (BENCH_REDIS_CLUSTER_NODES);
 * without it the row says how to start one. Redis CPU and commands are read from the
 * single node only, so the cluster row shows hops/s and process CPU.
 */
import { clusterHealthy, CLUSTER_NODES, START_COMMAND } from '../../test/support/redis-cluster.js';

export const BENCH_REDIS_CLUSTER_NODES = process.env.BENCH_REDIS_CLUSTER_NODES ?? CLUSTER_NODES;

/** Why the cluster row cannot run, or null when a healthy cluster answers. */
export async function clusterUnavailable(): Promise<string | null> {
  return (await clusterHealthy().catch(() => false))
    ? null
    : `no healthy Redis Cluster at ${BENCH_REDIS_CLUSTER_NODES}: ${START_COMMAND}`;
}

interface HopRun {
  rps: number;
  cpuMsPerHop?: number;
  bad: number;
  total: number;
}

/** One bench-table row: single node | cluster, hops/s and process CPU per hop. */
export function clusterRow(r: { single: HopRun; cluster: HopRun } | { skipped: string }): string[] {
  const label = 'menu hop, single Redis | Redis Cluster: hops/s (CPU ms/hop)';
  if ('skipped' in r) return [label, 'n/a', `n/a (${r.skipped})`, '-', '-', '-'];
  const cell = (h: HopRun) =>
    `${h.rps.toFixed(0)} (${(h.cpuMsPerHop ?? Number.NaN).toFixed(3)}); bad ${h.bad}/${h.total}`;
  return [
    label,
    cell(r.single),
    cell(r.cluster),
    '-',
    `cluster/single ${((r.cluster.rps / r.single.rps) * 100).toFixed(0)}%`,
    'WAIT 1 after each commit on the cluster',
  ];
}
