/**
 * deploy/grafana/dashboard.json: the guide's five panels are there, every
 * query is valid PromQL (checked by the real promtool, Grafana's interval
 * macros set to 5m), and nothing is left as a placeholder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtool, promtoolUnavailable } from './support/promtool.js';

const file = path.resolve(import.meta.dirname, '../../deploy/grafana/dashboard.json');
const dashboard = JSON.parse(readFileSync(file, 'utf8'));
const panels: any[] = dashboard.panels;
const exprs = (title: string): string[] => panels.find((p) => p.title === title)?.targets.map((t: any) => t.expr) ?? [];

describe('Grafana dashboard', () => {
  it("has the guide's five panels, querying the metrics they name", () => {
    expect(exprs('Password reset requests by country').join()).toMatch(
      /molam_id_reset_requests_total\{kind="password"\}.*by \(country\)|by \(country\).*molam_id_reset_requests_total\{kind="password"\}/,
    );
    expect(exprs('PIN reset requests by channel').join()).toMatch(
      /by \(channel\).*molam_id_reset_requests_total\{kind="ussd_pin"\}/,
    );
    expect(exprs('OTP failure rate')[0]).toMatch(/molam_id_otp_failures_total.*\/.*molam_id_otp_verifications_total/);
    expect(exprs('Rate limiting events').join()).toContain('molam_id_rate_limited_total');
    const quantiles = exprs('Request duration (p50, p95, p99)').map(
      (e) => /^histogram_quantile\(([\d.]+), .*molam_id_request_duration_seconds_bucket/.exec(e)?.[1],
    );
    expect(quantiles).toEqual(['0.5', '0.95', '0.99']);
  });

  it('adds SMS delivery and USSD session outcomes, with unique ids and no overlapping tiles', () => {
    expect(exprs('SMS delivery').join()).toContain('molam_id_messages_sent_total');
    expect(exprs('USSD session outcomes').join()).toContain('molam_id_ussd_sessions_total');
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = panels.flatMap((p) =>
      Array.from(
        { length: p.gridPos.w * p.gridPos.h },
        (_, i) => `${p.gridPos.x + (i % p.gridPos.w)},${p.gridPos.y + Math.floor(i / p.gridPos.w)}`,
      ),
    );
    expect(new Set(cells).size).toBe(cells.length);
    // The Prometheus data source is chosen on import, never a hard-coded uid.
    expect(panels.every((p) => p.datasource.uid === '${datasource}')).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toMatch(/TODO|FIXME|placeholder|lorem/i);
  });

  it.skipIf(promtoolUnavailable)(
    `has only valid PromQL${promtoolUnavailable ? ` (${promtoolUnavailable})` : ''}`,
    () => {
      // Each query becomes a recording rule, so promtool's parser checks it.
      const rules = panels.flatMap((p) =>
        p.targets.map((t: any) => ({
          record: `dashboard:panel${p.id}:${t.refId}`,
          expr: t.expr.replaceAll(/\$__(rate_interval|interval|range)/g, '5m'),
        })),
      );
      const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-promql-'));
      try {
        // JSON is YAML: no YAML writer needed.
        writeFileSync(
          path.join(dir, 'dashboard.rules.yml'),
          JSON.stringify({ groups: [{ name: 'dashboard', rules }] }),
        );
        const { status, output } = promtool(['check', 'rules', 'dashboard.rules.yml'], dir);
        expect(status, output).toBe(0);
        expect(output).toContain(`${rules.length} rules found`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
