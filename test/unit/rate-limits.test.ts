/**
 * The in-process limiter (embedded development, and the insurance limiter
 * while Redis is unreachable) must hold windows longer than a timer can wait:
 * Node fires a setTimeout of more than 2^31-1 ms (24.8 days) after 1 ms, and
 * rate-limiter-flexible drops a key when its timer fires. The 30-day code
 * guessing budget (issue 11 item 5) was forgotten a millisecond after each try.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, DEFAULT_LIMITS } from '../../src/services/rate-limits.js';

describe('in-process rate limits', () => {
  it('keeps the 30-day code-guess budget of an account (no Redis)', async () => {
    const limiter = createRateLimiter({ keyPrefix: 'test:', pepper: 'p'.repeat(32) });
    const { points } = DEFAULT_LIMITS.otpGuessesPerAccount30Days;
    for (let i = 0; i < points; i++) await limiter.consume('otpGuessesPerAccount30Days', 'account-1');
    await sleep(20);
    await expect(limiter.consume('otpGuessesPerAccount30Days', 'account-1')).rejects.toMatchObject({
      code: 'rate_limited',
    });
    expect(await limiter.isExhausted('otpGuessesPerAccount30Days', 'account-1')).toBe(true);
    // Another account is untouched.
    await expect(limiter.consume('otpGuessesPerAccount30Days', 'account-2')).resolves.toBeUndefined();
  });

  it('keeps every default window, after a wait, at its last point', async () => {
    const limiter = createRateLimiter({ keyPrefix: 'test:', pepper: 'p'.repeat(32) });
    for (const [name, rule] of Object.entries(DEFAULT_LIMITS) as [keyof typeof DEFAULT_LIMITS, { points: number }][]) {
      for (let i = 0; i < rule.points; i++) await limiter.consume(name, 'subject');
    }
    await sleep(20);
    for (const name of Object.keys(DEFAULT_LIMITS) as (keyof typeof DEFAULT_LIMITS)[]) {
      expect(await limiter.isExhausted(name, 'subject'), name).toBe(true);
    }
  });
});
