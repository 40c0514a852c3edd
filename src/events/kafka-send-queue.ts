/**
 * One send in flight at a time; the publishes that arrive meanwhile leave
 * together in the next send. @platformatic/kafka 1.x mishandles concurrent
 * sends on one idempotent producer (sequence numbers out of step:
 * OUT_OF_ORDER_SEQUENCE_NUMBER from the broker here, silently dropped
 * messages in platformatic/kafka#326), and the outbox relay publishes a batch
 * concurrently. Batching keeps the throughput a single in-flight send loses.
 */
export interface SendQueue<T> {
  /** Resolves when the send carrying `item` succeeded; rejects with its error. */
  push(item: T): Promise<void>;
}

export function createSendQueue<T>(send: (items: T[]) => Promise<void>, maxBatch = 500): SendQueue<T> {
  let waiting: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  let sending = false;

  async function drain(): Promise<void> {
    sending = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        await send(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    sending = false;
  }

  return {
    push(item) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!sending) void drain();
      });
    },
  };
}
