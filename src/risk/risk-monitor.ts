/**
 * Watches OTP results and reset requests and raises SIRA signals:
 * - otp_anomaly: OTP failure rate over a rolling window, once a minimum sample
 *   is reached, above the threshold (SIRA_THRESHOLD_OTP_FAILURE_RATE) —
 *   overall and per country;
 * - brute_force_attempt: repeated wrong codes from one IP or against one
 *   phone (its peppered digest: SIRA never gets the number);
 * - suspicious_reset_pattern: many resets for one user, one IP resetting many
 *   users, a "not me" reply, a reset after a SIM swap.
 * Every on*() returns at once and never throws: evaluation runs in the
 * background, and a Redis or SIRA failure is logged, never passed to the user.
 * A signal key is sent once per dedupe window, across instances when the
 * counters are in Redis.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RiskCounters } from './risk-counters.js';
import type { RiskMetrics } from './risk-metrics.js';
import type { RiskSignal, RiskSignalName } from './sira-sender.js';
import type { SimSwapStatus } from './sim-swap.js';

export interface RiskThresholds {
  /** SIRA_THRESHOLD_OTP_FAILURE_RATE: a failure rate above this is an anomaly. */
  otpFailureRate: number;
  otpWindowMs: number;
  /** No verdict on fewer OTP submissions than this in the window. */
  otpMinSample: number;
  bruteForceWindowMs: number;
  bruteForceIpFailures: number;
  bruteForceSubjectFailures: number;
  resetWindowMs: number;
  resetsPerUser: number;
  usersPerIp: number;
  /** How long a detected SIM swap makes a user's resets suspicious. */
  simSwapMemoryMs: number;
  dedupeWindowMs: number;
}

const MINUTE = 60_000;
export const DEFAULT_RISK_THRESHOLDS: RiskThresholds = {
  otpFailureRate: 0.4,
  otpWindowMs: 15 * MINUTE,
  otpMinSample: 20,
  bruteForceWindowMs: 15 * MINUTE,
  bruteForceIpFailures: 10,
  bruteForceSubjectFailures: 6,
  resetWindowMs: 60 * MINUTE,
  resetsPerUser: 3,
  usersPerIp: 5,
  simSwapMemoryMs: 72 * 60 * MINUTE,
  dedupeWindowMs: 10 * MINUTE,
};

export interface OtpResult {
  kind: string;
  country: string | null;
  ip: string | null;
  /** The reset request's subject_digest (HMAC of the identifier with the pepper). */
  subjectDigest: string;
  ok: boolean;
}

export interface RiskMonitorOptions {
  counters: RiskCounters;
  sender: { send(signal: RiskSignal): void };
  thresholds?: Partial<RiskThresholds>;
  clock?: () => number;
  metrics?: RiskMetrics;
  logger?: Pick<Logger, 'warn'>;
}

type Data = RiskSignal['data'];

export function createRiskMonitor(options: RiskMonitorOptions) {
  const { counters, sender, metrics, logger } = options;
  const t: RiskThresholds = { ...DEFAULT_RISK_THRESHOLDS, ...options.thresholds };
  const clock = options.clock ?? Date.now;
  const pending = new Set<Promise<void>>();

  /** Runs an evaluation in the background; errors end in the log. */
  function background(work: () => Promise<void>): void {
    const p = Promise.resolve()
      .then(work)
      .catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'risk evaluation failed'))
      .finally(() => pending.delete(p));
    pending.add(p);
  }

  async function raise(
    signal: RiskSignalName,
    key: string,
    severity: RiskSignal['severity'],
    data: Data,
  ): Promise<void> {
    if (!(await counters.claim(`dedupe:${key}`, t.dedupeWindowMs))) return;
    metrics?.signals.inc({ signal });
    sender.send({
      id: randomUUID(),
      signal,
      source: 'molam-id-password-reset',
      occurredAt: new Date(clock()).toISOString(),
      severity,
      key,
      data,
    });
  }

  async function checkOtpRate(scope: string, country: string | null): Promise<void> {
    const sample = await counters.increment(`otp:all:${scope}`, t.otpWindowMs);
    const failures = await counters.increment(`otp:fail:${scope}`, t.otpWindowMs);
    const rate = failures / sample;
    if (sample < t.otpMinSample || rate <= t.otpFailureRate) return;
    await raise('otp_anomaly', `otp_anomaly:${scope}`, scope === 'global' ? 'high' : 'medium', {
      scope: scope === 'global' ? 'global' : 'country',
      country,
      failureRate: Number(rate.toFixed(3)),
      failures,
      sample,
      threshold: t.otpFailureRate,
      windowSeconds: t.otpWindowMs / 1000,
    });
  }

  async function checkBruteForce(target: 'ip' | 'subject', value: string, limit: number): Promise<void> {
    const failures = await counters.increment(`bf:${target}:${value}`, t.bruteForceWindowMs);
    if (failures < limit) return;
    await raise('brute_force_attempt', `brute_force_attempt:${target}:${value}`, 'high', {
      target,
      [target === 'ip' ? 'ip' : 'subjectDigest']: value,
      failures,
      windowSeconds: t.bruteForceWindowMs / 1000,
    });
  }

  const suspicious = (reason: string, key: string, severity: RiskSignal['severity'], data: Data) =>
    raise('suspicious_reset_pattern', `suspicious_reset_pattern:${reason}:${key}`, severity, { reason, ...data });

  return {
    /** After every OTP check (reset-service verify). */
    onOtpResult(r: OtpResult): void {
      background(async () => {
        const scopes: Array<[string, string | null]> = [
          ['global', null],
          ...(r.country ? [[`country:${r.country}`, r.country] as [string, string]] : []),
        ];
        if (r.ok) {
          // A success only grows the sample; verdicts are taken on failures.
          await Promise.all(scopes.map(([scope]) => counters.increment(`otp:all:${scope}`, t.otpWindowMs)));
          return;
        }
        await Promise.all([
          ...scopes.map(([scope, country]) => checkOtpRate(scope, country)),
          r.ip ? checkBruteForce('ip', r.ip, t.bruteForceIpFailures) : Promise.resolve(),
          checkBruteForce('subject', r.subjectDigest, t.bruteForceSubjectFailures),
        ]);
      });
    },

    /**
     * After a reset request is stored (reset-service start). userId is null for an unknown
     * identifier; pass its subjectDigest so one IP probing many numbers still counts.
     */
    onResetRequested(r: {
      userId: string | null;
      ip: string | null;
      country: string | null;
      subjectDigest?: string;
    }): void {
      const who = r.userId ?? r.subjectDigest;
      if (!who) return;
      background(async () => {
        if (r.ip) {
          const users = await counters.addDistinct(`resets:ip:${r.ip}`, who, t.resetWindowMs);
          if (users >= t.usersPerIp) {
            await suspicious('one_ip_many_users', r.ip, 'high', {
              ip: r.ip,
              users,
              windowSeconds: t.resetWindowMs / 1000,
            });
          }
        }
        if (!r.userId) return;
        const userId = r.userId;
        const resets = await counters.increment(`resets:user:${userId}`, t.resetWindowMs);
        if (resets >= t.resetsPerUser) {
          await suspicious('many_resets_for_user', userId, 'medium', {
            userId,
            resets,
            country: r.country,
            windowSeconds: t.resetWindowMs / 1000,
          });
        }
        if (await counters.hasFlag(`simswap:${userId}`)) {
          await suspicious('reset_after_sim_swap', userId, 'high', { userId, country: r.country });
        }
      });
    },

    /** A "not me" reply to the confirmation SMS, or the cancel link. */
    onNotMe(r: { userId: string; requestId?: string | null; channel?: string | null }): void {
      background(() =>
        suspicious('not_me', r.requestId ?? r.userId, 'high', {
          userId: r.userId,
          requestId: r.requestId ?? null,
          channel: r.channel ?? null,
        }),
      );
    },

    /** After a SIM-swap check made for a reset: a swap marks the user's resets suspicious for a while. */
    onSimSwap(r: { userId: string; status: SimSwapStatus; country?: string | null; requestId?: string | null }): void {
      if (r.status !== 'swapped') return;
      background(async () => {
        await counters.setFlag(`simswap:${r.userId}`, t.simSwapMemoryMs);
        await suspicious('reset_after_sim_swap', r.userId, 'high', {
          userId: r.userId,
          country: r.country ?? null,
          requestId: r.requestId ?? null,
        });
      });
    },

    /** Waits for background evaluations (tests, shutdown). */
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    thresholds: Object.freeze(t),
  };
}

export type RiskMonitor = ReturnType<typeof createRiskMonitor>;
