/**
 * Metrics of the outbox relay, registered on the app's registry
 * (createMetrics().registry). Labels carry the event type only.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createEventMetrics(registry: Registry) {
  const registers = [registry];
  return {
    backlog: new Gauge({
      name: 'molam_id_outbox_backlog',
      help: 'Outbox events not yet confirmed by the broker(s)',
      registers,
    }),
    oldestAge: new Gauge({
      name: 'molam_id_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox event (0 when none)',
      registers,
    }),
    published: new Counter({
      name: 'molam_id_events_published_total',
      help: 'Outbox events confirmed by the broker(s), by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    publishFailures: new Counter({
      name: 'molam_id_events_publish_failures_total',
      help: 'Failed publish attempts (retried with backoff), by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    publishDuration: new Histogram({
      name: 'molam_id_event_publish_duration_seconds',
      help: 'Time from handing an event to the broker(s) to its confirmation',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}

export type EventMetrics = ReturnType<typeof createEventMetrics>;
