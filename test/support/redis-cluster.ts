/**
 * The local Redis Cluster of scripts/redis-cluster.sh (6 nodes from port 7000, or
 * TEST_REDIS_CLUSTER_NODES). Under CI=true a missing cluster fails the tests; elsewhere
 * they skip and say how to start it.
 */
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';

export const CLUSTER_NODES =
  process.env.TEST_REDIS_CLUSTER_NODES ?? Array.from({ length: 6 }, (_, i) => `127.0.0.1:${7000 + i}`).join(',');
export const START_COMMAND = 'bash scripts/redis-cluster.sh start';
export const clusterPorts = CLUSTER_NODES.split(',').map((n) => Number(n.split(':')[1]));

/** A plain connection to one node (the test's own look at the cluster, no key prefix). */
export function nodeClient(port: number) {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  c.on('error', () => {}); // a node that is down rejects the command; that is the answer asked for
  return c;
}

/** Runs one command on one node; rejects when the node does not answer. */
export async function onNode<T>(port: number, ...args: (string | number)[]): Promise<T> {
  const c = nodeClient(port);
  try {
    await c.connect();
    return (await c.call(...(args as [string, ...(string | number)[]]))) as T;
  } finally {
    c.disconnect();
  }
}

/**
 * True when every node answers and says cluster_state:ok, and every replica's link to its master
 * is up: a node restarted after a failover test resyncs first, and until then WAIT 1 gets no ack.
 */
export async function clusterHealthy(): Promise<boolean> {
  const states = await Promise.all(
    clusterPorts.map(async (p) => {
      const [info, replication] = await Promise.all([
        onNode<string>(p, 'CLUSTER', 'INFO'),
        onNode<string>(p, 'INFO', 'replication'),
      ]).catch(() => ['', '']);
      return (
        info.includes('cluster_state:ok') &&
        (replication.includes('role:master') || replication.includes('master_link_status:up'))
      );
    }),
  );
  return states.every(Boolean);
}

/** Whether to run: true when the cluster is up; throws under CI=true when it is not. */
export async function clusterTestsShouldRun(): Promise<boolean> {
  // A node a previous run restarted may still be resyncing: give it a few seconds.
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    if (await clusterHealthy()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (process.env.CI === 'true')
    throw new Error(`no healthy Redis Cluster at ${CLUSTER_NODES} (CI starts it: ${START_COMMAND})`);
  console.warn(`Redis Cluster tests skipped: no cluster at ${CLUSTER_NODES}. Start one with: ${START_COMMAND}`);
  return false;
}

/** The master port serving `slot`, read from CLUSTER NODES. */
export async function masterOfSlot(slot: number): Promise<{ port: number; id: string }> {
  for (const port of clusterPorts) {
    const nodes = await onNode<string>(port, 'CLUSTER', 'NODES').catch(() => null);
    if (!nodes) continue;
    for (const line of nodes.trim().split('\n')) {
      const [id, addr, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags!.includes('master') || flags!.includes('fail')) continue;
      const serves = ranges.some((r) => {
        const [a, b = a] = r.split('-').map(Number);
        return slot >= a! && slot <= b!;
      });
      if (serves) return { port: Number(addr!.split(':')[1]!.split('@')[0]), id: id! };
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

/** Brings back a node the test killed: it rejoins the cluster (as a replica of its promoted peer). */
export const restartNode = (port: number) =>
  execFileSync('bash', ['scripts/redis-cluster.sh', 'restart-node', String(port)], { stdio: 'ignore' });
