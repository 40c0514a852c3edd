/**
 * The outbox relay on the real PostgreSQL of this machine (a fresh database)
 * and on the embedded PGlite; the broker is a fake publisher here, so
 * failures and slowness can be scripted. RabbitMQ itself: rabbitmq-relay.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { createEventMetrics } from '../../src/events/event-metrics.js';
import type { EventPublisher, OutboxEvent } from '../../src/events/event-publisher.js';
import { createOutboxRelay } from '../../src/events/outbox-relay.js';
import { retryDelayMs } from '../../src/retry-delay.js';
import { claimDueEvents } from '../../src/events/outbox-store.js';
import { insertCompletionEvent, migratedDatabase, waitFor } from './outbox-fixtures.js';

type Behaviour = (event: OutboxEvent) => Promise<void>;
function fakePublisher(behaviour: Behaviour = async () => {}) {
  const published: OutboxEvent[] = [];
  const publisher: EventPublisher & { behaviour: Behaviour } = {
    name: 'fake',
    behaviour,
    async publish(event) {
      await publisher.behaviour(event);
      published.push(event);
    },
    async close() {},
  };
  return { publisher, published };
}

interface Row {
  id: string;
  attempts: number;
  last_error: string | null;
  published_at: Date | null;
  retry_in_ms: number;
}
let db: Database;
let close: () => Promise<void>;
const rowOf = async (id: string) =>
  (
    await db.query<Row>(
      `SELECT id, attempts, last_error, published_at,
          (EXTRACT(EPOCH FROM next_attempt_at - now()) * 1000)::int AS retry_in_ms
     FROM molam_outbox WHERE id = $1`,
      [id],
    )
  ).rows[0]!;

beforeAll(async () => {
  ({ db, close } = await migratedDatabase('outbox'));
});
afterAll(async () => {
  await close?.();
});

describe('outbox relay', () => {
  it('publishes due rows and marks them published only after the broker confirmed', async () => {
    let confirm!: () => void;
    const { publisher, published } = fakePublisher(
      () =>
        new Promise<void>((resolve) => {
          confirm = resolve;
        }),
    );
    const id = await insertCompletionEvent(db);
    const batch = createOutboxRelay({ db, publisher }).runOnce();
    await waitFor(async () => confirm !== undefined, 2000);
    expect((await rowOf(id)).published_at).toBeNull();
    confirm();
    expect(await batch).toEqual({ claimed: 1, published: 1, failed: 0 });
    expect((await rowOf(id)).published_at).toBeInstanceOf(Date);
    expect(published[0]).toMatchObject({
      id,
      type: 'id.ussd.pin.reset.completed',
      envelope: { id, specversion: '1.0' },
    });
  });

  it('keeps per-user order: a later event waits while an earlier one is failing', async () => {
    const user = randomUUID();
    const first = await insertCompletionEvent(db, user, 'password');
    const second = await insertCompletionEvent(db, user, 'ussd_pin');
    const { publisher, published } = fakePublisher(async () => {
      throw new Error('broker down');
    });
    const relay = createOutboxRelay({ db, publisher, backoffBaseMs: 60_000, random: () => 1 });

    expect(await relay.runOnce()).toEqual({ claimed: 1, published: 0, failed: 1 });
    expect(await relay.runOnce()).toEqual({ claimed: 0, published: 0, failed: 0 });
    const failed = await rowOf(first);
    expect(failed).toMatchObject({ attempts: 1, last_error: 'broker down', published_at: null });
    expect(failed.retry_in_ms).toBeGreaterThan(50_000);

    publisher.behaviour = async () => {};
    await db.query('UPDATE molam_outbox SET next_attempt_at = now() WHERE id = $1', [first]);
    await relay.runOnce();
    await relay.runOnce();
    expect(published.map((e) => e.id)).toEqual([first, second]);
  });

  it('spaces retries exponentially with jitter, up to a cap', () => {
    expect(retryDelayMs(1, 500, 60_000, () => 0)).toBe(250);
    expect(retryDelayMs(1, 500, 60_000, () => 1)).toBe(500);
    expect(retryDelayMs(4, 500, 60_000, () => 1)).toBe(4000);
    expect(retryDelayMs(30, 500, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, 500, 60_000, () => 0)).toBe(30_000);
  });

  it('stores no credentials from a broker error in last_error', async () => {
    const id = await insertCompletionEvent(db);
    const { publisher } = fakePublisher(async () => {
      throw new Error('cannot reach amqp://molam:s3cret@rabbit:5672');
    });
    await createOutboxRelay({ db, publisher }).runOnce();
    const row = await rowOf(id);
    expect(row.last_error).toBe('cannot reach amqp://***@rabbit:5672');
    await db.query('UPDATE molam_outbox SET published_at = now() WHERE id = $1', [id]);
  });

  it('counts a publish that is never confirmed as failed', async () => {
    const id = await insertCompletionEvent(db);
    const { publisher } = fakePublisher(() => new Promise<void>(() => {}));
    expect(await createOutboxRelay({ db, publisher, publishTimeoutMs: 100 }).runOnce()).toMatchObject({ failed: 1 });
    expect(await rowOf(id)).toMatchObject({ attempts: 1, last_error: 'publish not confirmed within 100 ms' });
    await db.query('UPDATE molam_outbox SET published_at = now() WHERE id = $1', [id]);
  });

  it('gives the rows of a relay that died mid-publish to another once the lease has run out', async () => {
    const id = await insertCompletionEvent(db);
    expect((await claimDueEvents(db, 10, 300)).map((r) => r.id)).toContain(id);
    expect((await claimDueEvents(db, 10, 300)).map((r) => r.id)).not.toContain(id);
    await new Promise((r) => setTimeout(r, 400));
    const { publisher, published } = fakePublisher();
    await createOutboxRelay({ db, publisher }).runOnce();
    expect(published.map((e) => e.id)).toContain(id);
  });

  it('wakes on notify() and, when stopped, finishes the batch in flight', async () => {
    const { publisher, published } = fakePublisher(() => new Promise((r) => setTimeout(r, 300)));
    const relay = createOutboxRelay({ db, publisher, pollIntervalMs: 60_000 });
    relay.start();
    await new Promise((r) => setTimeout(r, 100)); // the first, empty poll is over: the loop sleeps for a minute
    const id = await insertCompletionEvent(db);
    relay.notify();
    await waitFor(
      async () =>
        (await db.query('SELECT 1 FROM molam_outbox WHERE id = $1 AND next_attempt_at > now()', [id])).rowCount === 1,
      2000,
      10,
    );
    await relay.stop(); // the publish takes 300 ms: stop waits for it and for the mark
    expect(published.map((e) => e.id)).toEqual([id]);
    expect((await rowOf(id)).published_at).toBeInstanceOf(Date);
  });

  it('reports backlog, oldest age and published events as metrics', async () => {
    const registry = new Registry();
    const metrics = createEventMetrics(registry);
    await insertCompletionEvent(db, undefined, 'password');
    await insertCompletionEvent(db, undefined, 'password');
    await db.query(`UPDATE molam_outbox SET created_at = now() - interval '90 seconds' WHERE published_at IS NULL`);
    const { publisher } = fakePublisher();
    const relay = createOutboxRelay({ db, publisher, metrics });
    await relay.refreshBacklog();
    let text = await registry.metrics();
    expect(text).toMatch(/^molam_id_outbox_backlog 2$/m);
    expect(Number(/^molam_id_outbox_oldest_age_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(90);
    await relay.runOnce();
    await relay.refreshBacklog();
    text = await registry.metrics();
    expect(text).toMatch(/^molam_id_outbox_backlog 0$/m);
    expect(text).toMatch(/^molam_id_outbox_oldest_age_seconds 0$/m);
    expect(text).toMatch(/^molam_id_events_published_total\{type="id.password.reset.completed"\} 2$/m);
    expect(text).toMatch(/^molam_id_event_publish_duration_seconds_count 2$/m);
  });
});

describe('outbox relay on the embedded PGlite (dev mode)', () => {
  it('claims, publishes and marks rows the same way', async () => {
    const lite = await createPgliteDatabase();
    try {
      await runMigrations(lite);
      const user = randomUUID();
      const ids = [
        await insertCompletionEvent(lite, user),
        await insertCompletionEvent(lite, user),
        await insertCompletionEvent(lite),
      ];
      const { publisher, published } = fakePublisher();
      const relay = createOutboxRelay({ db: lite, publisher });
      while ((await relay.runOnce()).claimed > 0) {
        /* drain */
      }
      expect(published.map((e) => e.id).sort()).toEqual([...ids].sort());
      expect(published.findIndex((e) => e.id === ids[0])).toBeLessThan(published.findIndex((e) => e.id === ids[1]));
      const { rows } = await lite.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM molam_outbox WHERE published_at IS NULL',
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      await lite.close();
    }
  });
});
