/**
 * The outbox relay: publishes molam_outbox rows at least once, in seq order
 * per user, and marks a row published only after the broker confirmed it.
 * Any number of instances may run it at once (claims skip locked rows and
 * hold a lease). A failed publish is retried with exponential backoff and
 * jitter; nothing is dropped. Consumers dedupe by event id.
 */
import { withDeadline } from '../../gateways/deadline.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { EventMetrics } from './event-metrics.js';
import { errorText, type EventPublisher, type OutboxEvent } from './event-publisher.js';
import {
  claimDueEvents,
  markEventFailed,
  markEventsPublished,
  readOutboxBacklog,
  type ClaimedEvent,
} from './outbox-store.js';
import { retryDelayMs } from '../retry-delay.js';

export interface OutboxRelayOptions {
  db: Database;
  publisher: EventPublisher;
  metrics?: EventMetrics;
  logger?: Pick<Logger, 'warn' | 'info'>;
  /** Rows claimed per batch. Default 50. */
  batchSize?: number;
  /** Sleep between polls when there is nothing to do. Default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a claim keeps other relays away. Default 30 s. */
  leaseMs?: number;
  /** A publish taking longer than this counts as failed; keep it well under the lease. Default 10 s. */
  publishTimeoutMs?: number;
  /** Retry delay: base * 2^(attempts-1), capped, then jittered to [d/2, d]. Defaults 500 ms and 60 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

export interface BatchResult {
  claimed: number;
  published: number;
  failed: number;
}

const toOutboxEvent = (row: ClaimedEvent): OutboxEvent => ({
  id: row.id,
  type: row.event_type,
  aggregateId: row.aggregate_id,
  envelope: row.payload,
});

export function createOutboxRelay(options: OutboxRelayOptions) {
  const { db, publisher, metrics, logger } = options;
  const batchSize = options.batchSize ?? 50;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 30_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const baseMs = options.backoffBaseMs ?? 500;
  const maxMs = options.backoffMaxMs ?? 60_000;
  const random = options.random ?? Math.random;

  let running = false;
  let loop: Promise<void> | undefined;
  let woken = false;
  let wake: (() => void) | undefined;

  async function publishOne(row: ClaimedEvent): Promise<boolean> {
    const started = performance.now();
    try {
      await withDeadline(publishTimeoutMs, () => publisher.publish(toOutboxEvent(row)), 'publish not confirmed');
      metrics?.publishDuration.observe((performance.now() - started) / 1000);
      return true;
    } catch (err) {
      const attempts = row.attempts + 1;
      const retryIn = retryDelayMs(attempts, baseMs, maxMs, random);
      metrics?.publishFailures.inc({ type: row.event_type });
      logger?.warn(
        { eventId: row.id, type: row.event_type, attempts, retryInMs: retryIn, err: errorText(err) },
        'event publish failed',
      );
      // If even this write fails, the lease runs out and the row is simply claimed again.
      await markEventFailed(db, row.id, retryIn, errorText(err)).catch((dbErr: unknown) =>
        logger?.warn({ eventId: row.id, err: errorText(dbErr) }, 'could not record a failed publish'),
      );
      return false;
    }
  }

  /** Claims one batch, publishes it, records the outcome. Exposed for tests and one-shot drains. */
  async function runOnce(): Promise<BatchResult> {
    const rows = await claimDueEvents(db, batchSize, leaseMs);
    // One row per aggregate per batch (see claimDueEvents), so publishing them concurrently keeps per-user order.
    const outcomes = await Promise.all(rows.map(publishOne));
    const published = rows.filter((_, i) => outcomes[i]);
    await markEventsPublished(
      db,
      published.map((r) => r.id),
    );
    for (const row of published) metrics?.published.inc({ type: row.event_type });
    return { claimed: rows.length, published: published.length, failed: rows.length - published.length };
  }

  async function refreshBacklog(): Promise<void> {
    if (!metrics) return;
    const { backlog, oldestAgeSeconds } = await readOutboxBacklog(db);
    metrics.backlog.set(backlog);
    metrics.oldestAge.set(oldestAgeSeconds);
  }

  function sleep(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        woken = false;
        resolve();
      }
      wake = done;
    });
  }

  async function run(): Promise<void> {
    while (running) {
      let result: BatchResult | undefined;
      try {
        result = await runOnce();
        await refreshBacklog();
      } catch (err) {
        logger?.warn({ err: errorText(err) }, 'outbox relay batch failed');
      }
      if (!running) break;
      // A full, clean batch means more rows are probably due: go again at once.
      if (result && result.claimed === batchSize && result.failed === 0) continue;
      await sleep(pollIntervalMs);
    }
  }

  return {
    /** Starts the polling loop (idempotent). */
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Stops polling; resolves once the in-flight batch has been published and recorded. */
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = undefined;
    },
    /** Hint that a row was just committed: poll now instead of at the next interval. */
    notify() {
      if (wake) wake();
      else woken = true;
    },
    runOnce,
    refreshBacklog,
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
