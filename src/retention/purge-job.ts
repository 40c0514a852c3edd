/**
 * The in-process retention purge: once at start, then every interval
 * (PURGE_INTERVAL_HOURS, default 24; 0 = off, for deployments that run
 * npm run purge from a scheduler instead). Every replica runs it; the purge's
 * advisory lock keeps them from deleting side by side. The timer is unref'd
 * so it never keeps a process alive, and close() waits for a run in progress.
 */
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { purgeExpiredRows, type PurgeResult, type RetentionPolicy } from './purge.js';

export interface PurgeJobOptions {
  db: Database;
  policy: RetentionPolicy;
  /** 0 = the job never runs on its own (runNow still works). */
  intervalMs: number;
  logger: Logger;
  batchSize?: number;
}

/** Creates the daily purge job; nothing runs before start(). */
export function createPurgeJob({ db, policy, intervalMs, logger, batchSize }: PurgeJobOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PurgeResult> | undefined;

  /** Runs a purge now, or joins the one in progress. */
  function runNow(): Promise<PurgeResult> {
    running ??= purgeExpiredRows(db, policy, batchSize)
      .then((result) => {
        logger.info(result, 'retention purge');
        return result;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  // A failed run (database away) is logged and retried at the next tick, never thrown into the timer.
  const tick = () =>
    runNow().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'retention purge failed'));

  return {
    runNow,
    start(): void {
      if (intervalMs <= 0 || timer) return;
      timer = setInterval(tick, intervalMs).unref();
      void tick();
    },
    async close(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
  };
}

export type PurgeJob = ReturnType<typeof createPurgeJob>;
