/**
 * Publish-to-consume latency of one event on Kafka next to RabbitMQ, in the
 * same run: the service's own publishers (idempotent producer, acks=all;
 * publisher confirms) and a consumer in the bench process, so both ends share
 * one clock. Events are offered at a steady rate, interleaved between the two
 * brokers so machine noise falls on both alike. Latency = consumer receipt
 * minus the publish() call. A broker that does not answer gets a reason, not
 * a number (Kafka: `bash scripts/kafka-broker.sh start`).
 */
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { connect } from 'amqplib';
import type { EventPublisher } from '../../src/events/event-publisher.js';
import { createKafkaPublisher } from '../../src/events/kafka-publisher.js';
import { createRabbitMqPublisher, EVENTS_EXCHANGE } from '../../src/events/rabbitmq-publisher.js';
import { passwordResetEvent } from '../../test/events/kafka-fixtures.js';
import { pcts } from '../lib.js';

export const BENCH_KAFKA_BROKERS = process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:19092';
export const BENCH_AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface BrokerLatency {
  p50: number;
  p99: number;
  n: number;
  lost: number;
  error?: string;
}

/** One broker under test: its publisher, a consumer reporting event ids, and how to tear both down. */
interface Side {
  publisher: EventPublisher;
  onConsumed(listener: (id: string) => void): void;
  close(): Promise<void>;
}

async function kafkaSide(): Promise<Side> {
  const topic = `molam.id.events.bench.${randomUUID().slice(0, 8)}`;
  const bootstrapBrokers = BENCH_KAFKA_BROKERS.split(',');
  const publisher = createKafkaPublisher({
    brokers: bootstrapBrokers,
    clientId: 'molam-id-bench',
    topic: { name: topic, partitions: 1, replication: 1 },
  });
  await publisher.publish(passwordResetEvent()); // creates the topic before the consumer subscribes
  const consumer = new Consumer({
    clientId: 'molam-id-bench',
    groupId: `bench-${randomUUID()}`,
    bootstrapBrokers,
    deserializers: stringDeserializers,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'latest', autocommit: false, maxWaitTime: 500 });
  const listeners: Array<(id: string) => void> = [];
  stream.on('data', (m) => {
    const id = m.headers.get('ce_id');
    if (id) listeners.forEach((l) => l(id));
  });
  return {
    publisher,
    onConsumed: (l) => listeners.push(l),
    async close() {
      await consumer.close(true);
      await publisher.close();
      const admin = new Admin({ clientId: 'molam-id-bench', bootstrapBrokers });
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.close();
    },
  };
}

async function rabbitSide(): Promise<Side> {
  const publisher = createRabbitMqPublisher({ url: BENCH_AMQP_URL });
  await publisher.ready();
  const conn = await connect(BENCH_AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, EVENTS_EXCHANGE, '#');
  const listeners: Array<(id: string) => void> = [];
  await ch.consume(
    queue,
    (m) => {
      const id = m?.properties.messageId as string | undefined;
      if (id) listeners.forEach((l) => l(id));
    },
    { noAck: true },
  );
  return {
    publisher,
    onConsumed: (l) => listeners.push(l),
    async close() {
      await conn.close().catch(() => undefined);
      await publisher.close();
    },
  };
}

/** `events` per broker at `ratePerSec` in total (alternating brokers), after `warmup` unmeasured ones each. */
export async function brokerLatency(o: {
  events: number;
  warmup: number;
  ratePerSec: number;
  settleMs?: number;
}): Promise<Record<'kafka' | 'rabbitmq', BrokerLatency>> {
  const opened = await Promise.allSettled([kafkaSide(), rabbitSide()]);
  const names = ['kafka', 'rabbitmq'] as const;
  const sent = names.map(() => new Map<string, number>());
  const latencies = names.map(() => [] as number[]);
  opened.forEach((side, i) => {
    if (side.status === 'fulfilled')
      side.value.onConsumed((id) => {
        const t0 = sent[i]!.get(id);
        if (t0 !== undefined) latencies[i]!.push(performance.now() - t0);
      });
  });
  const live = opened.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, side: s.value }] : []));
  const gapMs = 1000 / o.ratePerSec;
  const publishing: Array<Promise<void>> = [];
  for (let k = 0; k < (o.warmup + o.events) * live.length; k += 1) {
    const { i, side } = live[k % live.length]!;
    const event = passwordResetEvent();
    if (k >= o.warmup * live.length) sent[i]!.set(event.id, performance.now());
    publishing.push(side.publisher.publish(event).catch(() => undefined));
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await Promise.all(publishing);
  await new Promise((r) => setTimeout(r, o.settleMs ?? 2000));
  await Promise.allSettled(live.map(({ side }) => side.close()));

  const result = (i: number): BrokerLatency => {
    const side = opened[i]!;
    if (side.status === 'rejected')
      return {
        p50: NaN,
        p99: NaN,
        n: 0,
        lost: 0,
        error: String((side.reason as Error)?.message ?? side.reason).slice(0, 120),
      };
    const { p50, p99 } = pcts(latencies[i]!);
    return { p50, p99, n: latencies[i]!.length, lost: sent[i]!.size - latencies[i]!.length };
  };
  return { kafka: result(0), rabbitmq: result(1) };
}

/** One row for the bench table: p50/p99 per broker, with the reason where a broker was missing. */
export function brokerLatencyRow(r: Record<'kafka' | 'rabbitmq', BrokerLatency>): string[] {
  const cell = (b: BrokerLatency) =>
    b.error ? `n/a (${b.error})` : `${b.p50.toFixed(1)}/${b.p99.toFixed(1)} (n=${b.n}, lost ${b.lost})`;
  return [
    'publish-to-consume p50/p99, ms: Kafka | RabbitMQ',
    cell(r.kafka),
    cell(r.rabbitmq),
    '-',
    'same run, alternating',
    '-',
  ];
}
