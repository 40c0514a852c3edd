/**
 * Issue 15 item 14: the guide's hardening as files an operator applies —
 * deploy/k8s/networkpolicy.yaml and the two CronJobs — parsed (PyYAML) and
 * held to the Deployment they sit beside and to the code they run: each
 * CronJob's command is an entry of scripts/build.mjs, its arguments parse,
 * and the purge job runs as written (its env, its secret file) on the real
 * PostgreSQL of this machine.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseArchiveArgs } from '../../src/audit/archive-args.js';
import { FILE_BACKED } from '../../src/config-sources.js';
import { loadDatabaseConfig } from '../../src/config.js';
import { createTestDatabase } from '../support/services.js';
import { loadYamlDocuments, yamlUnavailable } from './support/yaml.js';

const repo = path.resolve(import.meta.dirname, '../..');
const load = (file: string) => loadYamlDocuments(path.join(repo, 'deploy/k8s', file))[0];
const deployment = () => load('deployment.yaml');
const DAY = 86_400_000;

/** `dist/<name>.js` → the source scripts/build.mjs bundles into it. */
function sourceOf(distFile: string): string {
  const entry = /^dist\/([\w-]+)\.js$/.exec(distFile)?.[1];
  const m =
    entry && new RegExp(`'?${entry}'?:\\s*'([^']+)'`).exec(readFileSync(path.join(repo, 'scripts/build.mjs'), 'utf8'));
  if (!m) throw new Error(`${distFile} is not built by scripts/build.mjs`);
  return m[1]!;
}

/** The pod of a CronJob, checked for what every CronJob here shares. */
function cronPod(file: string) {
  const job = load(file);
  expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { concurrencyPolicy: 'Forbid' } });
  // Daily: minute and hour fixed, every day.
  expect(job.spec.schedule).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
  const pod = job.spec.jobTemplate.spec.template.spec;
  const live = deployment().spec.template.spec;
  expect(pod.restartPolicy).toBe('Never');
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: live.securityContext.runAsUser });
  expect(pod.containers).toHaveLength(1);
  const [container] = pod.containers;
  expect(container.image).toBe(live.containers[0].image);
  expect(container.securityContext).toMatchObject({
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  expect(container.env).toContainEqual({ name: 'NODE_ENV', value: 'production' });
  return { pod, container };
}

/** The Secret key a NAME_FILE variable of `container` reads, through the pod's secret volume. */
function secretKeyOf(pod: any, container: any, name: string): string | undefined {
  const file = container.env.find((e: any) => e.name === `${name}_FILE`)?.value;
  const mount = container.volumeMounts.find((m: any) => file?.startsWith(`${m.mountPath}/`));
  const volume = pod.volumes.find((v: any) => v.name === mount?.name);
  return volume?.secret.items.find((i: any) => `${mount.mountPath}/${i.path}` === file)?.key;
}

describe.skipIf(yamlUnavailable)(
  `issue 15 item 14: NetworkPolicy and CronJobs${yamlUnavailable ? ` (${yamlUnavailable})` : ''}`,
  () => {
    it('lets only the ingress namespace reach 8085 and only Prometheus reach the metrics port', () => {
      const policy = load('networkpolicy.yaml');
      const pod = deployment().spec.template;
      const metricsPort = Number(pod.spec.containers[0].env.find((e: any) => e.name === 'METRICS_PORT').value);
      expect(policy).toMatchObject({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        spec: { policyTypes: ['Ingress'] },
      });
      expect(pod.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
      const [ingress, prometheus, ...others] = policy.spec.ingress;
      expect(others).toEqual([]);
      expect(ingress.ports).toEqual([{ protocol: 'TCP', port: pod.spec.containers[0].ports[0].containerPort }]);
      expect(ingress.from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': expect.any(String) } } },
      ]);
      expect(prometheus.ports).toEqual([{ protocol: 'TCP', port: metricsPort }]);
      expect(Number(pod.metadata.annotations['prometheus.io/port'])).toBe(metricsPort);
      // One peer that is both a namespace AND a pod selector: Prometheus's pods, not its whole namespace.
      expect(prometheus.from).toEqual([
        { namespaceSelector: expect.any(Object), podSelector: { matchLabels: expect.any(Object) } },
      ]);
    });

    it('archives audit rows daily as the archiver login and uploads to S3 before deleting', () => {
      const { pod, container } = cronPod('cronjob-audit-archive.yaml');
      const [node, script, ...args] = container.command;
      expect([node, script]).toEqual(['node', 'dist/audit-archive.js']);
      expect(sourceOf(script)).toBe('src/cli/audit-archive.ts');
      const parsed = parseArchiveArgs(args);
      // The database refuses anything younger than its audit retention (90 days).
      expect(parsed.olderThanMs).toBeGreaterThanOrEqual(90 * DAY);
      expect(parsed.upload).toMatchObject({ bucket: expect.any(String) });
      expect(parsed.outDir.startsWith('/tmp/')).toBe(true);
      expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/tmp' }));
      expect(secretKeyOf(pod, container, 'DATABASE_URL')).toBe('archiver-database-url');
      // Static S3 keys are optional: IRSA / workload identity is the other way in.
      const keyRefs = container.env
        .filter((e: any) => e.name.startsWith('AWS_'))
        .map((e: any) => e.valueFrom.secretKeyRef.optional);
      expect(keyRefs).toEqual([true, true]);
    });

    it('runs `node dist/purge.js` daily with the service login and the default retention', () => {
      const { pod, container } = cronPod('cronjob-purge.yaml');
      expect(container.command).toEqual(['node', 'dist/purge.js']);
      expect(sourceOf(container.command[1])).toBe('src/cli/purge.ts');
      expect(secretKeyOf(pod, container, 'DATABASE_URL')).toBe('database-url');
      const env = Object.fromEntries(
        container.env.filter((e: any) => !e.name.endsWith('_FILE')).map((e: any) => [e.name, e.value]),
      );
      const defaults = loadDatabaseConfig({}).retention;
      expect(loadDatabaseConfig(env).retention).toMatchObject({
        resetRequestDays: defaults.resetRequestDays,
        outboundMessageDays: defaults.outboundMessageDays,
        outboxDays: defaults.outboxDays,
      });
    });

    it('reads only variables the service accepts as files', () => {
      const files = ['deployment.yaml', 'cronjob-audit-archive.yaml', 'cronjob-purge.yaml'].flatMap((f) => {
        const doc = load(f);
        const spec = doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec.template.spec : doc.spec.template.spec;
        return spec.containers[0].env.map((e: any) => e.name).filter((n: string) => n.endsWith('_FILE'));
      });
      expect(files.length).toBeGreaterThan(5);
      for (const name of files) expect(FILE_BACKED).toContain(name.replace(/_FILE$/, ''));
    });

    it('purges as written: the CronJob env and its secret file, on the real PostgreSQL', async () => {
      const { pod, container } = cronPod('cronjob-purge.yaml');
      const db = await createTestDatabase('purgejob');
      const secrets = mkdtempSync(path.join(tmpdir(), 'molam-secrets-'));
      try {
        const mount = container.volumeMounts.find((m: any) => m.name === 'secrets');
        const env: Record<string, string> = {};
        for (const e of container.env) env[e.name] = e.value.replace(mount.mountPath, secrets);
        // As Kubernetes writes it: the Secret's bytes, here with the newline `echo` leaves.
        writeFileSync(
          path.join(secrets, pod.volumes.find((v: any) => v.name === 'secrets').secret.items[0].path),
          `${db.url}\n`,
        );
        await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
          env: { PATH: process.env.PATH, DATABASE_URL: db.url, NODE_ENV: 'production' },
          cwd: repo,
        });
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', sourceOf(container.command[1])],
          { env: { PATH: process.env.PATH, ...env }, cwd: repo },
        );
        expect(JSON.parse(stdout)).toEqual(expect.any(Object));
      } finally {
        rmSync(secrets, { recursive: true, force: true });
        await db.drop();
      }
    });
  },
);
