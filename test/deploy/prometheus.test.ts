/**
 * deploy/prometheus with the real promtool: the scrape config and rules load,
 * and rules.test.yml proves each alert fires on what it names and stays quiet
 * on low traffic and on shares under its threshold.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtool, promtoolUnavailable } from './support/promtool.js';
import { loadYamlDocuments, yamlUnavailable } from './support/yaml.js';

const dir = path.resolve(import.meta.dirname, '../../deploy/prometheus');

describe('Prometheus config and alert rules', () => {
  it.skipIf(promtoolUnavailable)(
    `promtool check config accepts prometheus.yml and the rules it loads${promtoolUnavailable ? ` (${promtoolUnavailable})` : ''}`,
    () => {
      const { status, output } = promtool(['check', 'config', 'prometheus.yml'], dir);
      expect(output).toContain('SUCCESS');
      expect(status, output).toBe(0);
    },
  );

  it.skipIf(promtoolUnavailable)(
    `promtool check rules accepts rules.yml${promtoolUnavailable ? ` (${promtoolUnavailable})` : ''}`,
    () => {
      const { status, output } = promtool(['check', 'rules', 'rules.yml'], dir);
      expect(status, output).toBe(0);
    },
  );

  it.skipIf(promtoolUnavailable)(
    `promtool test rules passes rules.test.yml${promtoolUnavailable ? ` (${promtoolUnavailable})` : ''}`,
    () => {
      const { status, output } = promtool(['test', 'rules', 'rules.test.yml'], dir);
      expect(status, output).toBe(0);
    },
  );

  it.skipIf(yamlUnavailable)("keeps the guide's scrape job, rule group and alert names, and tests every alert", () => {
    const [config] = loadYamlDocuments(path.join(dir, 'prometheus.yml'));
    expect(config.scrape_configs).toContainEqual({
      job_name: 'molam-id-password-reset',
      static_configs: [{ targets: ['localhost:8085'] }],
      metrics_path: '/metrics',
    });
    const [rules] = loadYamlDocuments(path.join(dir, 'rules.yml'));
    const group = rules.groups.find((g: any) => g.name === 'molam-id-password-reset');
    const alerts: string[] = group.rules.map((r: any) => r.alert);
    expect(alerts).toEqual(expect.arrayContaining(['HighOTPFailureRate', 'HighErrorRate']));
    const [tests] = loadYamlDocuments(path.join(dir, 'rules.test.yml'));
    const tested = new Set(
      tests.tests.flatMap((t: any) =>
        t.alert_rule_test.filter((a: any) => a.exp_alerts.length > 0).map((a: any) => a.alertname),
      ),
    );
    expect(
      alerts.filter((a) => !tested.has(a)),
      'alerts with no test that makes them fire',
    ).toEqual([]);
  });
});
