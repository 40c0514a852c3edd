/**
 * The Kafka adapter without a broker: the producer configuration, the message
 * mapping, and how failures surface. The real produce, topic creation, keys,
 * headers and a broker outage are in kafka-broker.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createFanoutPublisher } from '../../src/events/event-publisher.js';
import {
  createKafkaPublisher,
  kafkaMessageOf,
  kafkaProducerConfig,
  type KafkaMessage,
  type KafkaProducerConfig,
  type KafkaTopicSettings,
} from '../../src/events/kafka-publisher.js';
import { passwordResetEvent } from './kafka-fixtures.js';

const event = () => passwordResetEvent('2026-01-02T03:04:05.000Z');

describe('kafka publisher (no broker)', () => {
  it('configures an idempotent producer from KAFKA_BROKERS and KAFKA_CLIENT_ID', () => {
    expect(
      kafkaProducerConfig({ brokers: ['kafka1:9092', 'kafka2:9092'], clientId: 'molam-id-password-reset' }),
    ).toEqual({
      clientId: 'molam-id-password-reset',
      bootstrapBrokers: ['kafka1:9092', 'kafka2:9092'],
      idempotent: true,
      acks: -1,
      retries: 5,
      connectTimeout: 5000,
      timeout: 10_000,
    });
    expect(() => kafkaProducerConfig({ brokers: [], clientId: 'x' })).toThrow(/KAFKA_BROKERS/);
  });

  it('adds SASL credentials and TLS to the connection only when configured', () => {
    const sasl = { mechanism: 'SCRAM-SHA-256' as const, username: 'molam-id', password: 'pw' };
    expect(kafkaProducerConfig({ brokers: ['k:9093'], clientId: 'c', sasl, tls: true })).toMatchObject({
      sasl,
      tls: {},
    });
    const plaintext = kafkaProducerConfig({ brokers: ['k:9092'], clientId: 'c', tls: false });
    expect('sasl' in plaintext || 'tls' in plaintext).toBe(false);
  });

  it('keys each message by user id, the data as the value and the other attributes as ce_ headers (binary mode)', () => {
    const e = event();
    const message = kafkaMessageOf(e);
    expect(message).toEqual({
      topic: 'molam.id.events',
      key: e.aggregateId,
      value: JSON.stringify(e.envelope.data),
      headers: {
        ce_specversion: '1.0',
        ce_id: e.id,
        ce_type: 'id.password.reset.completed',
        ce_source: 'molam-id-password-reset',
        ce_time: '2026-01-02T03:04:05.000Z',
        ce_subject: e.aggregateId,
        'content-type': 'application/json',
      },
    });
    expect(kafkaMessageOf({ ...e, aggregateId: null }).key).toBe(e.envelope.subject);
  });

  it('sends through one lazily created producer and closes it', async () => {
    const sent: KafkaMessage[] = [];
    const configs: KafkaProducerConfig[] = [];
    const topics: KafkaTopicSettings[] = [];
    let closed = 0;
    const kafka = createKafkaPublisher({
      brokers: ['kafka1:9092'],
      clientId: 'molam-id-password-reset',
      topic: { name: 'molam.id.events.test', partitions: 3 },
      createProducer: async (config, topic) => {
        configs.push(config);
        topics.push(topic);
        return {
          send: async ({ messages }) => {
            sent.push(...messages);
          },
          close: async () => {
            closed += 1;
          },
        };
      },
    });
    const [a, b] = [event(), event()];
    await kafka.publish(a);
    await kafka.publish(b);
    await kafka.close();
    expect(configs).toHaveLength(1);
    expect(topics).toEqual([{ name: 'molam.id.events.test', partitions: 3 }]);
    expect(sent.map((m) => [m.topic, m.key])).toEqual([
      ['molam.id.events.test', a.aggregateId],
      ['molam.id.events.test', b.aggregateId],
    ]);
    expect(closed).toBe(1);
  });

  it('rejects the publish (so the relay retries) when the producer cannot be created or send fails', async () => {
    let attempts = 0;
    const kafka = createKafkaPublisher({
      brokers: ['kafka1:9092'],
      clientId: 'c',
      createProducer: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('cannot load client');
        return {
          send: async () => {
            throw new Error('NOT_ENOUGH_REPLICAS');
          },
          close: async () => {},
        };
      },
    });
    await expect(kafka.publish(event())).rejects.toThrow('cannot load client');
    await expect(kafka.publish(event())).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(attempts).toBe(2);
  });

  it('keeps one send in flight: publishes made meanwhile leave together in the next send', async () => {
    const sends: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const kafka = createKafkaPublisher({
      brokers: ['kafka1:9092'],
      clientId: 'c',
      createProducer: async () => ({
        send: async ({ messages }) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          sends.push(messages.map((m) => m.headers.ce_id!));
          await new Promise((r) => setTimeout(r, 20));
          inFlight -= 1;
        },
        close: async () => {},
      }),
    });
    const events = Array.from({ length: 12 }, () => event());
    await Promise.all(events.map((e) => kafka.publish(e)));
    expect(maxInFlight).toBe(1);
    expect(sends.flat()).toEqual(events.map((e) => e.id));
    expect(sends.length).toBeLessThan(events.length);
  });

  it('replaces the producer after a failed send, so a desynchronized idempotent producer is not reused', async () => {
    let created = 0;
    let closed = 0;
    const kafka = createKafkaPublisher({
      brokers: ['kafka1:9092'],
      clientId: 'c',
      createProducer: async () => {
        created += 1;
        const broken = created === 1;
        return {
          send: async () => {
            if (broken) throw new Error('OUT_OF_ORDER_SEQUENCE_NUMBER');
          },
          close: async () => {
            closed += 1;
          },
        };
      },
    });
    await expect(kafka.publish(event())).rejects.toThrow('OUT_OF_ORDER_SEQUENCE_NUMBER');
    await expect(kafka.publish(event())).resolves.toBeUndefined();
    expect([created, closed]).toEqual([2, 1]);
    await kafka.close();
  });

  it('fails a publish when no broker answers, instead of crashing the service (the relay retries the row)', async () => {
    const kafka = createKafkaPublisher({ brokers: ['127.0.0.1:1'], clientId: 'c' });
    await expect(kafka.publish(event())).rejects.toThrow();
    await kafka.close();
  });

  it('fans out to RabbitMQ and Kafka, failing the row when either one fails', async () => {
    const ok = { name: 'rabbitmq', publish: async () => {}, close: async () => {} };
    const bad = {
      name: 'kafka',
      publish: async () => {
        throw new Error('down');
      },
      close: async () => {},
    };
    await expect(createFanoutPublisher([ok, ok]).publish(event())).resolves.toBeUndefined();
    await expect(createFanoutPublisher([ok, bad]).publish(event())).rejects.toThrow('kafka: down');
  });
});
