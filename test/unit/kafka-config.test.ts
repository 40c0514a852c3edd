/** Kafka settings in the configuration (issue 13 items 2-3): pure, no services. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { problemsOf, productionEnv } from '../support/config-env.js';

const dev = { NODE_ENV: 'development', KAFKA_ENABLED: 'true', KAFKA_BROKERS: 'k1:9092, k2:9092' };
const production = { ...productionEnv, KAFKA_ENABLED: 'true', KAFKA_BROKERS: 'k1:9093' };

describe('Kafka configuration (issue 13)', () => {
  it('defaults to topic molam.id.events with the cluster default partitions and replication, plaintext', () => {
    const { kafka } = loadConfig(dev);
    expect(kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(kafka.topic).toEqual({ name: 'molam.id.events', partitions: undefined, replication: undefined });
    expect([kafka.sasl, kafka.tls]).toEqual([undefined, false]);
    // The empty lines of .env.example mean unset.
    const blank = {
      KAFKA_TOPIC_PARTITIONS: '',
      KAFKA_TOPIC_REPLICATION: '',
      KAFKA_SASL_MECHANISM: '',
      KAFKA_SASL_USERNAME: '',
      KAFKA_SASL_PASSWORD: '',
      KAFKA_TLS: 'false',
    };
    expect(loadConfig({ ...dev, ...blank }).kafka).toEqual(kafka);
  });

  it('reads the topic name, its partitions and replication', () => {
    const { kafka } = loadConfig({
      ...dev,
      KAFKA_TOPIC: 'molam.id.events.staging',
      KAFKA_TOPIC_PARTITIONS: '12',
      KAFKA_TOPIC_REPLICATION: '3',
    });
    expect(kafka.topic).toEqual({ name: 'molam.id.events.staging', partitions: 12, replication: 3 });
  });

  it('refuses a topic name Kafka would refuse and counts that are not positive integers, all at once', () => {
    const problems = problemsOf({
      ...dev,
      KAFKA_TOPIC: 'molam id/events',
      KAFKA_TOPIC_PARTITIONS: '0',
      KAFKA_TOPIC_REPLICATION: 'three',
    });
    for (const name of ['KAFKA_TOPIC', 'KAFKA_TOPIC_PARTITIONS', 'KAFKA_TOPIC_REPLICATION'])
      expect(problems).toContain(name);
  });

  it('takes SASL with TLS, and refuses an unknown mechanism', () => {
    const { kafka } = loadConfig({
      ...production,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'molam-id',
      KAFKA_SASL_PASSWORD: 's3cret-pass',
      KAFKA_TLS: 'true',
    });
    expect(kafka.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'molam-id', password: 's3cret-pass' });
    expect(kafka.tls).toBe(true);
    expect(problemsOf({ ...dev, KAFKA_SASL_MECHANISM: 'GSSAPI' })).toContain('KAFKA_SASL_MECHANISM');
  });

  it('refuses half a SASL setting, without echoing the password', () => {
    const problems = problemsOf({ ...dev, KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'hunter2-kafka' });
    expect(problems).toContain('KAFKA_SASL_USERNAME');
    expect(problems).not.toContain('hunter2-kafka');
  });

  it('refuses SASL PLAIN without TLS in production, and allows it in development', () => {
    const plain = { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2-kafka' };
    expect(problemsOf({ ...production, ...plain })).toContain('KAFKA_TLS=true is required');
    expect(problemsOf({ ...production, ...plain, KAFKA_TLS: 'true' })).toBe('');
    expect(problemsOf({ ...dev, ...plain })).toBe('');
  });
});
