/**
 * Delivers risk signals to SIRA: JSON POSTs signed with HMAC-SHA256, retried
 * with exponential backoff and jitter, from a bounded in-memory queue.
 * send() only enqueues: it never waits on the network and never throws, so a
 * user's request is never slowed or failed by SIRA. A full queue drops the
 * newest signal (counted), rather than growing without bound.
 *
 * Signature: X-Molam-Timestamp = unix seconds; X-Molam-Signature =
 * "sha256=" + hex(HMAC-SHA256(SIRA_SIGNING_SECRET, timestamp + "." + rawBody)).
 * The timestamp is signed so that a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RiskMetrics } from './risk-metrics.js';
import { retryDelayMs } from '../retry-delay.js';

export type RiskSignalName = 'otp_anomaly' | 'brute_force_attempt' | 'suspicious_reset_pattern';

export interface RiskSignal {
  id: string;
  signal: RiskSignalName;
  source: 'molam-id-password-reset';
  occurredAt: string;
  severity: 'medium' | 'high';
  /** What the signal is about, e.g. otp_anomaly:country:SN (also the deduplication key). */
  key: string;
  data: Record<string, string | number | boolean | null>;
}

export const SIGNATURE_HEADER = 'x-molam-signature';
export const TIMESTAMP_HEADER = 'x-molam-timestamp';

export function signSiraBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What SIRA (or a test receiver) runs: constant-time compare, timestamp within tolerance. */
export function verifySiraSignature(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const ts = Number(timestamp);
  if (!signature || !Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signSiraBody(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface SiraSenderOptions {
  /** SIRA_WEBHOOK_URL */
  url: string;
  /** SIRA_SIGNING_SECRET */
  secret: string;
  metrics?: RiskMetrics;
  logger?: Pick<Logger, 'warn'>;
  /** Per-attempt timeout. Default 3 s. */
  timeoutMs?: number;
  /** Attempts per signal before giving up. Default 6 (about a minute of retries). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Signals queued or in flight at most. Default 1000. */
  maxQueue?: number;
  concurrency?: number;
  clock?: () => number;
  fetch?: typeof fetch;
}

interface Item {
  signal: RiskSignal;
  body: string;
  attempts: number;
  notBefore: number;
}

export function createSiraSender(options: SiraSenderOptions) {
  const { metrics, logger } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseMs = options.retryBaseMs ?? 500;
  const maxMs = options.retryMaxMs ?? 30_000;
  const maxQueue = options.maxQueue ?? 1000;
  const concurrency = options.concurrency ?? 4;
  const clock = options.clock ?? Date.now;
  const doFetch = options.fetch ?? fetch;

  const queue: Item[] = [];
  let active = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let idle: Array<() => void> = [];

  /** One attempt: delivered, refused for good (4xx other than 429), or worth retrying. */
  async function attempt(item: Item): Promise<'delivered' | 'refused' | 'retry'> {
    const timestamp = Math.floor(clock() / 1000);
    try {
      const res = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signSiraBody(options.secret, timestamp, item.body),
          'x-molam-signal-id': item.signal.id, // lets SIRA drop a retried copy
        },
        body: item.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'delivered';
      if (res.status !== 429 && res.status < 500) {
        logger?.warn({ signal: item.signal.signal, status: res.status }, 'SIRA refused a signal');
        return 'refused';
      }
      throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      logger?.warn(
        { signal: item.signal.signal, attempt: item.attempts + 1, err: (err as Error).message },
        'SIRA delivery failed',
      );
      return 'retry';
    }
  }

  async function deliver(item: Item): Promise<void> {
    const outcome = await attempt(item);
    item.attempts += 1;
    if (outcome !== 'retry') {
      metrics?.deliveries.inc({ result: outcome === 'delivered' ? 'delivered' : 'failed' });
      return;
    }
    if (item.attempts >= maxAttempts || closed) {
      metrics?.deliveries.inc({ result: 'failed' });
      return;
    }
    metrics?.deliveries.inc({ result: 'retried' });
    item.notBefore = Date.now() + retryDelayMs(item.attempts, baseMs, maxMs);
    queue.push(item);
  }

  function pump(): void {
    const now = Date.now();
    while (active < concurrency) {
      const i = queue.findIndex((q) => q.notBefore <= now);
      if (i < 0) break;
      const [item] = queue.splice(i, 1);
      active += 1;
      void deliver(item!).finally(() => {
        active -= 1;
        pump();
      });
    }
    if (timer === undefined && queue.length > 0 && active < concurrency) {
      const wait = Math.max(0, Math.min(...queue.map((q) => q.notBefore)) - now);
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      timer.unref();
    }
    if (queue.length === 0 && active === 0) {
      const waiting = idle;
      idle = [];
      waiting.forEach((resolve) => resolve());
    }
  }

  function flush(): Promise<void> {
    if (queue.length === 0 && active === 0) return Promise.resolve();
    return new Promise((resolve) => idle.push(resolve));
  }

  return {
    /** Queues a signal for delivery; returns at once and never throws. */
    send(signal: RiskSignal): void {
      try {
        if (closed || queue.length + active >= maxQueue) {
          metrics?.deliveries.inc({ result: 'dropped' });
          return;
        }
        queue.push({ signal, body: JSON.stringify(signal), attempts: 0, notBefore: 0 });
        pump();
      } catch (err) {
        logger?.warn({ err: (err as Error).message }, 'could not queue a SIRA signal');
      }
    },
    /** Resolves when nothing is queued or in flight (tests, shutdown). */
    flush,
    pending: () => queue.length + active,
    /** Stops accepting signals; gives in-flight and queued ones up to graceMs. */
    async close(graceMs = 2000): Promise<void> {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      // One last attempt each, now: a closing instance does not wait out backoff delays.
      for (const item of queue) item.notBefore = 0;
      pump();
      await Promise.race([flush(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    },
  };
}

export type SiraSender = ReturnType<typeof createSiraSender>;
