/**
 * Publishes outbox events to Kafka: topic molam.id.events, key = user id
 * (one partition per user keeps per-user order), value = the JSON envelope,
 * idempotent producer (acks=all, one in-flight batch, broker-side dedupe of
 * producer retries).
 *
 * The client is @platformatic/kafka (pure JavaScript, maintained), loaded
 * with a dynamic import so the service builds and runs without it unless
 * KAFKA_ENABLED=true. Only the tiny KafkaProducerLike surface is used, so a
 * test (or another client) can stand in for it.
 *
 * NOT tested against a broker: no Kafka broker can run on the development
 * machines. Tested: the message mapping and the producer configuration.
 */
import type { EventPublisher, OutboxEvent } from './event-publisher.js';

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
}

export type KafkaProducerFactory = (config: KafkaProducerConfig) => Promise<KafkaProducerLike>;

export interface KafkaPublisherOptions {
  /** KAFKA_BROKERS, already split: ['kafka1:9092', 'kafka2:9092'] */
  brokers: readonly string[];
  /** KAFKA_CLIENT_ID, default molam-id-password-reset */
  clientId: string;
  topic?: string;
  /** Replaces the real client (tests). */
  createProducer?: KafkaProducerFactory;
}

export function kafkaProducerConfig(options: Pick<KafkaPublisherOptions, 'brokers' | 'clientId'>): KafkaProducerConfig {
  if (options.brokers.length === 0) throw new Error('kafka: KAFKA_BROKERS is empty');
  return {
    clientId: options.clientId,
    bootstrapBrokers: [...options.brokers],
    idempotent: true,
    acks: -1,
    retries: 5,
    connectTimeout: 5000,
    timeout: 10_000,
  };
}

/** CloudEvents Kafka binding, structured mode: the whole envelope is the value. */
export function kafkaMessageOf(event: OutboxEvent, topic = EVENTS_TOPIC): KafkaMessage {
  const key = event.aggregateId ?? event.envelope.subject;
  if (!key) throw new Error(`kafka: event ${event.id} has no user id to key on`);
  return {
    topic,
    key,
    value: JSON.stringify(event.envelope),
    headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8', ce_id: event.id, ce_type: event.type },
  };
}

/** Loads @platformatic/kafka at run time; the specifier is a variable so type-checking needs no install. */
const platformaticProducer: KafkaProducerFactory = async (config) => {
  const specifier = '@platformatic/kafka';
  const kafka = (await import(specifier)) as {
    Producer: new (options: Record<string, unknown>) => KafkaProducerLike;
    stringSerializers: unknown;
  };
  return new kafka.Producer({ ...config, serializers: kafka.stringSerializers });
};

export function createKafkaPublisher(options: KafkaPublisherOptions): EventPublisher {
  const topic = options.topic ?? EVENTS_TOPIC;
  const config = kafkaProducerConfig(options);
  const create = options.createProducer ?? platformaticProducer;
  let producer: Promise<KafkaProducerLike> | undefined;

  // Created on first use; a failed creation is retried on the next publish.
  function getProducer(): Promise<KafkaProducerLike> {
    producer ??= create(config).catch((err: unknown) => {
      producer = undefined;
      throw err;
    });
    return producer;
  }

  return {
    name: 'kafka',
    async publish(event) {
      const message = kafkaMessageOf(event, topic);
      await (await getProducer()).send({ messages: [message] });
    },
    async close() {
      const p = producer;
      producer = undefined;
      if (p) await (await p.catch(() => undefined))?.close();
    },
  };
}
