/** Metrics of the SIRA risk signals and the SIM-swap check, on the app's registry. */
import { Counter, type Registry } from 'prom-client';

export function createRiskMetrics(registry: Registry) {
  const registers = [registry];
  return {
    signals: new Counter({
      name: 'molam_id_risk_signals_total',
      help: 'Risk signals raised for SIRA (after deduplication), by signal',
      labelNames: ['signal'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'molam_id_risk_signal_deliveries_total',
      help: 'SIRA webhook outcomes: delivered, retried, failed (gave up), dropped (queue full)',
      labelNames: ['result'] as const,
      registers,
    }),
    simSwapChecks: new Counter({
      name: 'molam_id_sim_swap_checks_total',
      help: 'CAMARA SIM-swap checks by result (swapped, not_swapped, unknown)',
      labelNames: ['result'] as const,
      registers,
    }),
  };
}

export type RiskMetrics = ReturnType<typeof createRiskMetrics>;
