/**
 * Builds the risk side from configuration: the monitor (always counting, so
 * metrics show anomalies), the signed SIRA sender when SIRA_ENABLED, and the
 * CAMARA SIM-swap checker when SIM_SWAP_API_URL is set.
 */
import type { RedisClient } from '../store/redis-client.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createMemoryRiskCounters, createRedisRiskCounters } from './risk-counters.js';
import { createRiskMetrics } from './risk-metrics.js';
import { createRiskMonitor } from './risk-monitor.js';
import { createSimSwapChecker } from './sim-swap.js';
import { createSiraSender } from './sira-sender.js';

export function createRisk(
  config: Config,
  { redis, metrics, logger }: { redis: RedisClient | undefined; metrics: Metrics; logger: Logger },
) {
  const riskMetrics = createRiskMetrics(metrics.registry);
  const { sira } = config;
  const sender =
    sira.enabled && sira.webhookUrl && sira.signingSecret
      ? createSiraSender({ url: sira.webhookUrl, secret: sira.signingSecret, metrics: riskMetrics, logger })
      : undefined;
  const monitor = createRiskMonitor({
    counters: redis ? createRedisRiskCounters(redis, { pepper: config.pepper }) : createMemoryRiskCounters(),
    sender: sender ?? { send: () => {} },
    thresholds: { otpFailureRate: sira.otpFailureRateThreshold },
    metrics: riskMetrics,
    logger,
  });
  const simSwap = config.simSwap.url
    ? createSimSwapChecker({
        url: config.simSwap.url,
        maxAgeHours: config.simSwap.maxAgeHours,
        metrics: riskMetrics,
        logger,
      })
    : undefined;
  return {
    monitor,
    simSwap,
    async close() {
      await monitor.settle();
      await sender?.close();
    },
  };
}

export type Risk = ReturnType<typeof createRisk>;
