/**
 * The one deadline helper (gateways/deadline.ts) used by the senders, the
 * outbox relay and the dialog hop: real timers, no fakes.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineExceeded, withDeadline } from '../../gateways/deadline.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('withDeadline', () => {
  it('gives the value of work that finishes in time', async () => {
    await expect(withDeadline(200, () => after(5, 'done'))).resolves.toBe('done');
  });

  it('passes on the failure of work that fails in time', async () => {
    await expect(withDeadline(200, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it('rejects with DeadlineExceeded, worded by `what`, once the deadline passes', async () => {
    const late = withDeadline(20, () => after(500, 'too late'), 'publish not confirmed');
    await expect(late).rejects.toBeInstanceOf(DeadlineExceeded);
    await expect(late).rejects.toThrow('publish not confirmed within 20 ms');
  });

  it('aborts the signal at the deadline, with the same error', async () => {
    let seen: AbortSignal | undefined;
    const work = (signal: AbortSignal) => {
      seen = signal;
      return after(300, 1);
    };
    await expect(withDeadline(10, work)).rejects.toThrow('no answer within 10 ms');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(DeadlineExceeded);
  });

  it('treats a negative budget as already late', async () => {
    await expect(withDeadline(-5, () => after(100, 1))).rejects.toBeInstanceOf(DeadlineExceeded);
  });

  it('swallows the late failure of work it gave up on (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const track = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', track);
    try {
      const failsLate = () => after(30, null).then(() => Promise.reject(new Error('late')));
      await expect(withDeadline(5, failsLate)).rejects.toBeInstanceOf(DeadlineExceeded);
      await after(60, null);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', track);
    }
  });

  it('runs synchronous throws of work as a rejection', async () => {
    await expect(
      withDeadline(50, () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });
});
