/**
 * Publishes outbox events to Kafka: topic molam.id.events (KAFKA_TOPIC),
 * created by the service when missing, key = user id (one partition per user
 * keeps per-user order), CloudEvents Kafka binding in binary mode, idempotent
 * producer (acks=all, broker-side dedupe of producer retries).
 *
 * The client is @platformatic/kafka (pure JavaScript, maintained), loaded
 * with a dynamic import so the service runs without loading it unless
 * KAFKA_ENABLED=true. Only the tiny KafkaProducerLike surface is used, so a
 * test can stand in for it. Tested against a real single-node Apache Kafka
 * (scripts/kafka-broker.sh) in test/events/kafka-broker.test.ts.
 */
import type { EventPublisher, OutboxEvent } from './event-publisher.js';
import { createSendQueue } from './kafka-send-queue.js';

export const EVENTS_TOPIC = 'molam.id.events';

export interface KafkaMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The part of a Kafka producer this adapter needs. */
export interface KafkaProducerLike {
  send(options: { messages: KafkaMessage[] }): Promise<unknown>;
  close(): Promise<void>;
}

export type KafkaSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** How to reach the brokers: KAFKA_SASL_* and KAFKA_TLS. Plaintext when both are absent. */
export interface KafkaSecurity {
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  tls?: boolean;
}

/** The topic the service creates when missing; undefined counts = the cluster's defaults. */
export interface KafkaTopicSettings {
  name: string;
  partitions?: number;
  replication?: number;
}

export interface KafkaProducerConfig {
  clientId: string;
  bootstrapBrokers: string[];
  idempotent: true;
  /** -1 = all in-sync replicas; the only value an idempotent producer accepts. */
  acks: -1;
  retries: number;
  connectTimeout: number;
  /** Per-request timeout (ms). */
  timeout: number;
  sasl?: KafkaSecurity['sasl'];
  /** Node tls.connect options; {} = TLS with the system's CAs. */
  tls?: Record<string, never>;
}

export type KafkaProducerFactory = (
  config: KafkaProducerConfig,
  topic: KafkaTopicSettings,
) => Promise<KafkaProducerLike>;

export interface KafkaPublisherOptions extends KafkaSecurity {
  /** KAFKA_BROKERS, already split: ['kafka1:9092', 'kafka2:9092'] */
  brokers: readonly string[];
  /** KAFKA_CLIENT_ID, default molam-id-password-reset */
  clientId: string;
  /** KAFKA_TOPIC (default molam.id.events), KAFKA_TOPIC_PARTITIONS, KAFKA_TOPIC_REPLICATION. */
  topic?: KafkaTopicSettings;
  /** Replaces the real client (tests). */
  createProducer?: KafkaProducerFactory;
}

export function kafkaProducerConfig(
  options: Pick<KafkaPublisherOptions, 'brokers' | 'clientId' | 'sasl' | 'tls'>,
): KafkaProducerConfig {
  if (options.brokers.length === 0) throw new Error('kafka: KAFKA_BROKERS is empty');
  return {
    clientId: options.clientId,
    bootstrapBrokers: [...options.brokers],
    idempotent: true,
    acks: -1,
    retries: 5,
    connectTimeout: 5000,
    timeout: 10_000,
    ...(options.sasl ? { sasl: { ...options.sasl } } : {}),
    ...(options.tls ? { tls: {} } : {}),
  };
}

/**
 * CloudEvents Kafka protocol binding, binary content mode (spec
 * cloudevents/bindings/kafka-protocol-binding.md §3.2): the event data is the
 * value, every other attribute is a `ce_`-prefixed header, and `content-type`
 * is the data's media type. Consumers can route and dedupe on headers alone.
 */
export function kafkaMessageOf(event: OutboxEvent, topic = EVENTS_TOPIC): KafkaMessage {
  const { envelope } = event;
  const key = event.aggregateId ?? envelope.subject;
  if (!key) throw new Error(`kafka: event ${event.id} has no user id to key on`);
  return {
    topic,
    key,
    value: JSON.stringify(envelope.data),
    headers: {
      ce_specversion: envelope.specversion,
      ce_id: event.id,
      ce_type: event.type,
      ce_source: envelope.source,
      ce_time: envelope.time,
      ce_subject: key,
      'content-type': 'application/json',
    },
  };
}

interface PlatformaticKafka {
  Producer: new (options: Record<string, unknown>) => KafkaProducerLike;
  Admin: new (options: Record<string, unknown>) => {
    createTopics(options: { topics: string[]; partitions?: number; replicas?: number }): Promise<unknown>;
    close(): Promise<void>;
  };
  stringSerializers: unknown;
}

/** CreateTopics answered TOPIC_ALREADY_EXISTS (error code 36): an earlier start or another instance made it. */
function isTopicAlreadyExists(err: unknown): boolean {
  const topics = (err as { response?: { topics?: Array<{ errorCode?: number }> } }).response?.topics;
  return Array.isArray(topics) && topics.length > 0 && topics.every((t) => t.errorCode === 36);
}

/** Creates the topic when missing, then the idempotent producer. The specifier is a variable so type-checking needs no install. */
const platformaticProducer: KafkaProducerFactory = async (config, topic) => {
  const specifier = '@platformatic/kafka';
  const kafka = (await import(specifier)) as PlatformaticKafka;
  const { idempotent, acks, ...connection } = config;
  const admin = new kafka.Admin(connection);
  try {
    await admin.createTopics({ topics: [topic.name], partitions: topic.partitions, replicas: topic.replication });
  } catch (err) {
    if (!isTopicAlreadyExists(err)) throw err;
  } finally {
    await admin.close();
  }
  return new kafka.Producer({ ...connection, idempotent, acks, serializers: kafka.stringSerializers });
};

export function createKafkaPublisher(options: KafkaPublisherOptions): EventPublisher {
  const topic = options.topic ?? { name: EVENTS_TOPIC };
  const config = kafkaProducerConfig(options);
  const create = options.createProducer ?? platformaticProducer;
  let producer: Promise<KafkaProducerLike> | undefined;

  // Created on first use; a failed creation is retried on the next publish.
  function getProducer(): Promise<KafkaProducerLike> {
    producer ??= create(config, topic).catch((err: unknown) => {
      producer = undefined;
      throw err;
    });
    return producer;
  }

  // After a failed send the client's sequence numbers may no longer match the
  // broker's (the send may or may not have landed): start over with a new
  // producer id rather than fail every later send. Consumers dedupe on ce_id.
  function dropProducer(): void {
    const p = producer;
    producer = undefined;
    void p?.then((old) => old.close()).catch(() => undefined);
  }

  const queue = createSendQueue<KafkaMessage>(async (messages) => {
    try {
      await (await getProducer()).send({ messages });
    } catch (err) {
      dropProducer();
      throw err;
    }
  });

  return {
    name: 'kafka',
    async publish(event) {
      await queue.push(kafkaMessageOf(event, topic.name));
    },
    async close() {
      const p = producer;
      producer = undefined;
      if (p) await (await p.catch(() => undefined))?.close();
    },
  };
}
