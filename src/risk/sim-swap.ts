/**
 * GSMA CAMARA SIM Swap check: POST {SIM_SWAP_API_URL}/check
 * {phoneNumber, maxAge (hours)} → {swapped: boolean}. Asked before an OTP goes
 * out by SMS: a recent swap means the SMS may reach a fraudster.
 * Any failure (timeout, network, non-2xx, malformed answer) is 'unknown',
 * never 'not_swapped': the caller's policy decides what unknown means.
 */
import { maskPhone, type Logger } from '../logger.js';
import type { RiskMetrics } from './risk-metrics.js';

export type SimSwapStatus = 'swapped' | 'not_swapped' | 'unknown';

export interface SimSwapCheckerOptions {
  /** SIM_SWAP_API_URL: the API root, e.g. https://operator.example/sim-swap/v0 */
  url: string;
  /** Look-back window in hours (CAMARA allows 1..2400). Default 72. */
  maxAgeHours?: number;
  /** Default 2000 ms: the check sits before an SMS send, inside the hop budget. */
  timeoutMs?: number;
  /** OAuth2 access token for the operator's API (client credentials), when it needs one. */
  accessToken?: () => string | Promise<string>;
  metrics?: RiskMetrics;
  logger?: Pick<Logger, 'warn'>;
  fetch?: typeof fetch;
}

export function createSimSwapChecker(options: SimSwapCheckerOptions) {
  const endpoint = `${options.url.replace(/\/+$/, '')}/check`;
  const defaultMaxAge = options.maxAgeHours ?? 72;
  const timeoutMs = options.timeoutMs ?? 2000;
  const doFetch = options.fetch ?? fetch;

  async function ask(phoneNumber: string, maxAge: number): Promise<SimSwapStatus> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.accessToken) headers.authorization = `Bearer ${await options.accessToken()}`;
    const res = await doFetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ phoneNumber, maxAge }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = JSON.parse(text) as { swapped?: unknown };
    if (typeof body.swapped !== 'boolean') throw new Error('answer has no boolean "swapped"');
    return body.swapped ? 'swapped' : 'not_swapped';
  }

  return {
    /** Never throws; 'unknown' whenever the operator could not give a clear answer in time. */
    async check(phoneE164: string, maxAgeHours = defaultMaxAge): Promise<SimSwapStatus> {
      const maxAge = Math.min(2400, Math.max(1, Math.round(maxAgeHours)));
      let status: SimSwapStatus;
      try {
        status = await ask(phoneE164, maxAge);
      } catch (err) {
        status = 'unknown';
        options.logger?.warn(
          { phone: maskPhone(phoneE164), err: (err as Error).message },
          'SIM swap check failed: unknown',
        );
      }
      options.metrics?.simSwapChecks.inc({ result: status });
      return status;
    },
  };
}

export type SimSwapChecker = ReturnType<typeof createSimSwapChecker>;
