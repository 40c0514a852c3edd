/**
 * The app's Redis connection: one node (REDIS_URL) or a Redis Cluster
 * (REDIS_CLUSTER_NODES), with the same behaviour where it applies. Every
 * multi-key command and script the service sends names keys of one hash slot.
 */
import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** Both clients take the same commands; code that needs the cluster's own calls checks `isCluster`. */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url: string | undefined;
  clusterNodes: readonly { host: string; port: number }[] | undefined;
  keyPrefix: string;
}

// While Redis is away, commands fail at once (no offline queue) or within 1 s, and
// reconnection is retried every second at most: hops answer within the deadline.
export const COMMAND_TIMEOUT_MS = 1000;
const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 1000);

export function openRedisClient(target: RedisTarget, logger: Logger): RedisClient | undefined {
  const shared = {
    keyPrefix: target.keyPrefix,
    enableOfflineQueue: false,
    lazyConnect: true,
    // Commands of concurrent hops issued in one tick leave in one socket write (issue 12: writes were ~17 % of a hop's CPU).
    enableAutoPipelining: true,
  };
  const client: RedisClient | undefined = target.clusterNodes
    ? new Cluster([...target.clusterNodes], {
        ...shared,
        // Writes and reads on the slot's master: a replica may lag behind the COMMIT a hop just made.
        scaleReads: 'master',
        // Concurrent hops' scripts of different slots were batched together ("All keys in the pipeline should
        // belong to the same slots allocation group"): on a cluster each script goes on its own.
        autoPipeliningIgnoredCommands: ['molamLockAndRead', 'molamGuardedCommit', 'molamDeleteIfEquals'],
        clusterRetryStrategy: reconnectDelay,
        // A failover shows up as errors on the lost master's slots: ask again soon for the new map.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        retryDelayOnTryAgain: 200,
        slotsRefreshInterval: 1000,
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: COMMAND_TIMEOUT_MS },
      })
    : target.url
      ? new Redis(target.url, {
          ...shared,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          commandTimeout: COMMAND_TIMEOUT_MS,
          retryStrategy: reconnectDelay,
        })
      : undefined;
  client?.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
  client?.on('node error', (err: Error) => logger.warn({ err: err.message }, 'redis cluster node error'));
  return client;
}

export const isCluster = (client: RedisClient): client is Cluster => client instanceof Cluster;
