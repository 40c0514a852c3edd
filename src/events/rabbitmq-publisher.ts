/**
 * Publishes outbox events to RabbitMQ: exchange molam.id.events (topic,
 * durable), routing key = event type, persistent JSON messages whose
 * messageId is the event id, on a confirm channel. The connection recovers
 * by itself (amqplib's recovery: exponential backoff with jitter); a fresh
 * confirm channel is opened on every (re)connection. While disconnected,
 * publish rejects at once and the outbox relay retries the row later.
 */
import { connect, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import type { Logger } from '../logger.js';
import { errorText, type EventPublisher, type OutboxEvent } from './event-publisher.js';

export const EVENTS_EXCHANGE = 'molam.id.events';

export interface RabbitMqPublisherOptions {
  /** AMQP_URL, e.g. amqp://user:pass@rabbitmq:5672 */
  url: string;
  exchange?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How long to wait for the broker's confirm. Default 5 s. */
  confirmTimeoutMs?: number;
  /** Reconnect backoff. Defaults 200 ms doubling up to 10 s. */
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Heartbeat (seconds) unless the URL sets one: detects a silent network loss. Default 10. */
  heartbeatSeconds?: number;
}

/** The AMQP properties of one event message (exported for tests). */
export function amqpMessageOf(event: OutboxEvent): { routingKey: string; body: Buffer; options: Options.Publish } {
  const time = Date.parse(event.envelope.time);
  return {
    routingKey: event.type,
    body: Buffer.from(JSON.stringify(event.envelope)),
    options: {
      persistent: true,
      contentType: 'application/json',
      messageId: event.id,
      type: event.type,
      appId: event.envelope.source,
      timestamp: Math.floor((Number.isNaN(time) ? Date.now() : time) / 1000),
    },
  };
}

function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}

export function createRabbitMqPublisher(options: RabbitMqPublisherOptions): EventPublisher & {
  /** Resolves once the first connection (and its channel) is up. */
  ready(): Promise<void>;
  isConnected(): boolean;
} {
  const exchange = options.exchange ?? EVENTS_EXCHANGE;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 5000;
  const logger = options.logger;
  let channel: ConfirmChannel | null = null;
  let closed = false;

  // Runs after every successful (re)connection, before the connection is handed out.
  async function setup(model: ChannelModel): Promise<void> {
    const ch = await model.createConfirmChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    ch.on('error', (err: Error) => logger?.warn({ err: errorText(err) }, 'rabbitmq channel error'));
    ch.on('close', () => {
      if (channel === ch) channel = null;
      // A channel closed while its connection lives on (a channel-level error): recycle the
      // connection so that recovery builds a fresh channel. On connection loss this is a no-op.
      if (!closed) model.close().catch(() => {});
    });
    channel = ch;
  }

  const connecting = connect(withHeartbeat(options.url, options.heartbeatSeconds ?? 10), {
    timeout: 5000,
    clientProperties: { connection_name: 'molam-id-password-reset outbox' },
    recovery: {
      waitForConnect: false,
      initialDelay: options.reconnectInitialDelayMs ?? 200,
      maxDelay: options.reconnectMaxDelayMs ?? 10_000,
      jitter: 0.3,
      setup,
    },
  }).then((model) => {
    model.on('connect', () => logger?.info({ exchange }, 'rabbitmq connected'));
    model.on('disconnect', (err: Error) => {
      channel = null;
      logger?.warn({ err: errorText(err) }, 'rabbitmq connection lost');
    });
    model.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) =>
      logger?.warn(
        { attempt: info.attempt, delayMs: info.delay, err: errorText(info.error) },
        'rabbitmq reconnect scheduled',
      ),
    );
    // Without a listener an 'error' event would crash the process.
    model.on('error', (err: Error) => logger?.warn({ err: errorText(err) }, 'rabbitmq connection error'));
    return model;
  });

  function publish(event: OutboxEvent): Promise<void> {
    const ch = channel;
    if (!ch || closed) return Promise.reject(new Error('rabbitmq: not connected'));
    const { routingKey, body, options: props } = amqpMessageOf(event);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`rabbitmq: no confirm within ${confirmTimeoutMs} ms`)),
        confirmTimeoutMs,
      );
      try {
        ch.publish(exchange, routingKey, body, props, (err: unknown) => {
          clearTimeout(timer);
          if (err) reject(new Error(`rabbitmq: message not confirmed (${errorText(err)})`));
          else resolve();
        });
      } catch (err) {
        // The channel closed between the check and the call.
        clearTimeout(timer);
        reject(new Error(`rabbitmq: ${errorText(err)}`));
      }
    });
  }

  return {
    name: 'rabbitmq',
    publish,
    async ready() {
      const model = await connecting;
      await model.waitForConnect();
      while (!channel && !closed) await new Promise((r) => setTimeout(r, 20));
    },
    isConnected: () => channel !== null,
    async close() {
      if (closed) return;
      closed = true;
      const ch = channel;
      channel = null;
      await ch?.waitForConfirms().catch(() => {});
      await (await connecting).close();
    },
  };
}
