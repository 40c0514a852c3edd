/**
 * Builds the outbox relay and its brokers from configuration: RabbitMQ when
 * AMQP_ENABLED, Kafka when KAFKA_ENABLED, both behind one fan-out publisher.
 * Without a broker the outbox simply keeps its rows.
 */
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createEventMetrics } from './event-metrics.js';
import { createFanoutPublisher, type EventPublisher } from './event-publisher.js';
import { createKafkaPublisher } from './kafka-publisher.js';
import { createOutboxRelay } from './outbox-relay.js';
import { createRabbitMqPublisher } from './rabbitmq-publisher.js';

export function createEventPipeline(
  config: Config,
  { db, metrics, logger }: { db: Database; metrics: Metrics; logger: Logger },
) {
  const publishers: EventPublisher[] = [];
  if (config.amqp.enabled && config.amqp.url)
    publishers.push(createRabbitMqPublisher({ url: config.amqp.url, logger }));
  const { kafka } = config;
  if (kafka.enabled) {
    publishers.push(
      createKafkaPublisher({
        brokers: [...kafka.brokers],
        clientId: kafka.clientId,
        topic: kafka.topic,
        sasl: kafka.sasl,
        tls: kafka.tls,
      }),
    );
  }
  const eventMetrics = createEventMetrics(metrics.registry);
  const relay =
    publishers.length === 0
      ? undefined
      : createOutboxRelay({ db, publisher: createFanoutPublisher(publishers), metrics: eventMetrics, logger });
  return {
    relay,
    /** Wakes the relay right after a transaction wrote an event. */
    notify: () => relay?.notify(),
    start: () => relay?.start(),
    async close() {
      await relay?.stop();
      await Promise.allSettled(publishers.map((p) => p.close()));
    },
  };
}

export type EventPipeline = ReturnType<typeof createEventPipeline>;
