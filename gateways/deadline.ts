/**
 * The one deadline helper: a provider call, a broker publish or a dialog hop
 * answers within its time or fails with DeadlineExceeded. Pure (no src/
 * import), so gateways and the service both use it.
 */

/** Rejection of `withDeadline` when the deadline passes first. */
export class DeadlineExceeded extends Error {
  constructor(
    readonly ms: number,
    what = 'no answer',
  ) {
    super(`${what} within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Runs `work` and rejects with DeadlineExceeded after `ms` (a negative `ms` is
 * already late). The signal is aborted at the deadline for work that accepts
 * one (AWS SDK); other work is left to finish on its own and its late outcome
 * is swallowed, never reported as an unhandled rejection. `what` words the
 * error: "publish not confirmed" → "publish not confirmed within 100 ms".
 */
export async function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  what?: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const late = new DeadlineExceeded(ms, what);
        controller.abort(late);
        reject(late);
      },
      Math.max(0, ms),
    );
  });
  const running = Promise.resolve().then(() => work(controller.signal));
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
