/**
 * The real local Kafka node (scripts/kafka-broker.sh) for tests: is it up,
 * a fresh topic name per suite, a consumer that collects what the service
 * published, the topic's partition count, and stop/start of the broker.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import type { OutboxEvent } from '../../src/events/event-publisher.js';

export const KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:19092';
const bootstrapBrokers = KAFKA_BROKERS.split(',');

export const NO_BROKER_MESSAGE = `no Kafka broker answers at ${KAFKA_BROKERS}: start one with \`bash scripts/kafka-broker.sh start\``;

/** True when the first bootstrap broker accepts a TCP connection within `timeoutMs`. */
export function brokerAnswers(timeoutMs = 1500): Promise<boolean> {
  const [host, port] = bootstrapBrokers[0]!.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket
      .once('connect', () => done(true))
      .once('timeout', () => done(false))
      .once('error', () => done(false));
  });
}

/** A topic name no other suite or earlier run uses, so leftovers never mix in. */
export const uniqueTopic = (label: string) => `molam.id.events.test.${label}.${randomUUID().slice(0, 8)}`;

export interface ConsumedEvent {
  key: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
  partition: number;
  offset: bigint;
}

/** Reads `topic` from the beginning in a fresh consumer group; `events` fills as messages arrive. */
export async function collectTopic(topic: string) {
  const consumer = new Consumer({
    clientId: 'molam-id-test-consumer',
    groupId: `test-${randomUUID()}`,
    bootstrapBrokers,
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const events: ConsumedEvent[] = [];
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
  stream.on('data', (message) => {
    events.push({
      key: message.key,
      value: JSON.parse(message.value) as Record<string, unknown>,
      headers: Object.fromEntries(message.headers),
      partition: message.partition,
      offset: message.offset,
    });
  });
  // The consumer keeps fetching while the broker restarts; its errors are not the test's subject.
  stream.on('error', () => undefined);
  return { events, close: () => consumer.close(true) };
}

async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: 'molam-id-test-admin', bootstrapBrokers });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export const topicExists = (topic: string) => withAdmin(async (admin) => (await admin.listTopics()).includes(topic));

export const partitionCount = (topic: string) =>
  withAdmin(
    async (admin) => (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount,
  );

export const deleteTopic = (topic: string) =>
  withAdmin((admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);

const run = promisify(execFile);
/** Stops or starts the shared local node; only kafka-broker.test.ts does this, so runs never overlap. */
export async function kafkaBroker(command: 'stop' | 'start'): Promise<void> {
  await run('bash', ['scripts/kafka-broker.sh', command], { timeout: 120_000 });
}

/**
 * A password-reset completion event as the outbox holds it (also sent by the bench's broker-latency scenario);
 * `time` fixes its timestamp where a test compares it (default: now).
 */
export function passwordResetEvent(time = new Date().toISOString()): OutboxEvent {
  const id = randomUUID();
  const userId = randomUUID();
  return {
    id,
    type: 'id.password.reset.completed',
    aggregateId: userId,
    envelope: {
      specversion: '1.0',
      id,
      type: 'id.password.reset.completed',
      source: 'molam-id-password-reset',
      time,
      subject: userId,
      data: { kind: 'password', channel: 'http', country: 'SN', requestId: randomUUID() },
    },
  };
}
