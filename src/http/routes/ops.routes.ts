/**
 * GET /health/live (the process answers: touches no dependency, so a Redis blip
 * never gets pods restarted), GET /health/ready and the guide's GET /health (a
 * check per dependency, 503 when one is down), and GET /metrics (main listener
 * or its own, METRICS_PORT).
 */
import type Router from '@koa/router';
import type { Registry } from 'prom-client';

export type HealthCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 1500;

async function timed(check: HealthCheck) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' as const, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down' as const, error: (err as Error).message === 'timeout' ? 'timeout' : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsRouteDeps {
  checks: Record<string, HealthCheck>;
  mode: string;
  /** Records each check's result, so Prometheus can alert on a dependency that is down. */
  onCheck?: (dependency: string, up: boolean) => void;
}

export function opsRoutes(router: Router, { checks, mode, onCheck }: OpsRouteDeps) {
  router.get('/health/live', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok', mode, pid: process.pid };
  });
  router.get(['/health', '/health/ready'], async (ctx) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => timed(checks[name]!)));
    names.forEach((name, i) => onCheck?.(name, results[i]!.status === 'up'));
    const healthy = results.every((r) => r.status === 'up');
    ctx.status = healthy ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: healthy ? 'ok' : 'degraded',
      mode,
      // Tells replicas and cluster workers apart when debugging a load balancer.
      pid: process.pid,
      checks: Object.fromEntries(names.map((name, i) => [name, results[i]])),
    };
  });
}

export function metricsRoutes(router: Router, { registry }: { registry: Registry }) {
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
