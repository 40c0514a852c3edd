/**
 * What the outbox relay hands to a broker: the stored CloudEvents-style
 * envelope plus the fields brokers route and key on. A publisher resolves
 * only once the broker has confirmed the message; it rejects otherwise
 * (not connected, nacked, timed out) and the relay retries later.
 */

/** The envelope credential-service writes to molam_outbox.payload. */
export interface EventEnvelope {
  specversion: string;
  id: string;
  type: string;
  source: string;
  time: string;
  /** The user id. */
  subject: string;
  data: Record<string, unknown>;
}

export interface OutboxEvent {
  id: string;
  /** Routing key (RabbitMQ) and CloudEvents type, e.g. id.password.reset.completed. */
  type: string;
  /** The user the event is about: Kafka key, ordering scope. */
  aggregateId: string | null;
  envelope: EventEnvelope;
}

export interface EventPublisher {
  readonly name: string;
  /** Resolves once the broker confirmed the message; rejects otherwise. */
  publish(event: OutboxEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * Publishes to every broker (RabbitMQ and Kafka when both are enabled) and
 * succeeds only when all confirmed. The outbox has one published_at per row,
 * so a failure on one broker republishes to all: consumers dedupe by id.
 */
export function createFanoutPublisher(publishers: readonly EventPublisher[]): EventPublisher {
  if (publishers.length === 1) return publishers[0]!;
  return {
    name: publishers.map((p) => p.name).join('+'),
    async publish(event) {
      const results = await Promise.allSettled(publishers.map((p) => p.publish(event)));
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [`${publishers[i]!.name}: ${errorText(r.reason)}`] : [],
      );
      if (failed.length > 0) throw new Error(failed.join('; '));
    },
    async close() {
      await Promise.allSettled(publishers.map((p) => p.close()));
    },
  };
}

/** An error's message made safe to store and log: credentials in URLs removed, length capped. */
export function errorText(err: unknown, max = 500): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/(\w+:\/\/)[^/\s@]*@/g, '$1***@').slice(0, max);
}
