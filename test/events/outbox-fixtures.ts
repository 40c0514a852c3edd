/**
 * Test helpers for the outbox: a migrated fresh Postgres database, outbox rows
 * written exactly as credential-service writes them, and a RabbitMQ queue of
 * our own bound to the events exchange (durable, so it survives stop_app).
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { createPostgresDatabase, type Database } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { EVENTS_EXCHANGE } from '../../src/events/rabbitmq-publisher.js';
import { insertOutboxEvent } from '../../src/queries/outbox.queries.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export async function migratedDatabase(
  label: string,
): Promise<{ db: Database; test: TestDatabase; close(): Promise<void> }> {
  const test = await createTestDatabase(label);
  const db = createPostgresDatabase(test.url);
  await runMigrations(db);
  return {
    db,
    test,
    close: async () => {
      await db.close();
      await test.drop();
    },
  };
}

const EVENT_TYPES = { password: 'id.password.reset.completed', ussd_pin: 'id.ussd.pin.reset.completed' } as const;

/** Inserts one completion event the way credential-service's writeCompletion does. */
export async function insertCompletionEvent(
  db: Database,
  userId = randomUUID(),
  kind: keyof typeof EVENT_TYPES = 'ussd_pin',
): Promise<string> {
  const id = randomUUID();
  const type = EVENT_TYPES[kind];
  await insertOutboxEvent(db, {
    id,
    aggregateId: userId,
    type,
    payload: {
      specversion: '1.0',
      id,
      type,
      source: 'molam-id-password-reset',
      time: new Date().toISOString(),
      subject: userId,
      data: { kind, channel: 'ussd', country: 'SN', requestId: randomUUID() },
    },
  });
  return id;
}

const run = promisify(execFile);
/** Stops or starts the broker's application (the Erlang node keeps running). */
export async function rabbitmqctl(command: 'stop_app' | 'start_app'): Promise<void> {
  await run('rabbitmqctl', ['-q', command], { timeout: 30_000 });
}

export interface TestQueue {
  name: string;
  /** Drains the queue: every message body, parsed, with its routing key and properties. */
  drain(): Promise<
    Array<{
      routingKey: string;
      messageId: string | undefined;
      contentType: string | undefined;
      persistent: boolean;
      body: any;
    }>
  >;
  delete(): Promise<void>;
}

/** A durable queue bound to molam.id.events; opens its own connection per call so it survives broker restarts. */
export async function bindTestQueue(pattern = '#'): Promise<TestQueue> {
  const name = `test.events.${randomUUID()}`;
  const withChannel = async <T>(fn: (ch: Channel) => Promise<T>): Promise<T> => {
    const conn: ChannelModel = await connect(AMQP_URL);
    try {
      const ch = await conn.createChannel();
      return await fn(ch);
    } finally {
      await conn.close().catch(() => {});
    }
  };
  await withChannel(async (ch) => {
    await ch.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await ch.assertQueue(name, { durable: true });
    await ch.bindQueue(name, EVENTS_EXCHANGE, pattern);
  });
  return {
    name,
    drain: () =>
      withChannel(async (ch) => {
        const out = [];
        for (let m = await ch.get(name, { noAck: true }); m; m = await ch.get(name, { noAck: true })) {
          out.push({
            routingKey: m.fields.routingKey,
            messageId: m.properties.messageId,
            contentType: m.properties.contentType,
            persistent: m.properties.deliveryMode === 2,
            body: JSON.parse(m.content.toString('utf8')),
          });
        }
        return out;
      }),
    delete: () =>
      withChannel(async (ch) => {
        await ch.deleteQueue(name);
      }),
  };
}

/** Polls until check() is true or the time is up. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** p-th percentile (0..100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
