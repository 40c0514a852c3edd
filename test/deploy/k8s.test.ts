/**
 * deploy/k8s/*.yaml, parsed (PyYAML) and held to the deployment guide's
 * Deployment and Service, the issue's hardening, and the service's own
 * shutdown timing (read from src/http/http-server.ts, so the two can't drift).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYamlDocuments, yamlUnavailable } from './support/yaml.js';

const repo = path.resolve(import.meta.dirname, '../..');
const NAME = 'molam-id-password-reset';
const load = (file: string) => {
  const docs = loadYamlDocuments(path.join(repo, 'deploy/k8s', file));
  expect(docs).toHaveLength(1);
  return docs[0];
};

/** The drain stop() allows by default: `stop(graceMs = 25_000)`. */
function drainSeconds(): number {
  const source = readFileSync(path.join(repo, 'src/http/http-server.ts'), 'utf8');
  const ms = /graceMs\s*=\s*([\d_]+)/.exec(source)?.[1];
  if (!ms) throw new Error('cannot find the default graceMs in src/http/http-server.ts');
  return Number(ms.replaceAll('_', '')) / 1000;
}

describe.skipIf(yamlUnavailable)(`Kubernetes manifests${yamlUnavailable ? ` (${yamlUnavailable})` : ''}`, () => {
  it("is the guide's Deployment: 3 replicas of container api on 8085, the guide's probe delays on /health/live and /health/ready (issue 15 item 9)", () => {
    const d = load('deployment.yaml');
    expect(d).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: NAME },
      spec: { replicas: 3 },
    });
    expect(d.spec.selector.matchLabels).toEqual({ app: NAME });
    expect(d.spec.template.metadata.labels).toMatchObject({ app: NAME });
    const [api, ...others] = d.spec.template.spec.containers;
    expect(others).toEqual([]);
    expect(api).toMatchObject({
      name: 'api',
      image: `${NAME}:latest`,
      ports: [expect.objectContaining({ containerPort: 8085 })],
    });
    // Liveness never asks about a dependency: a Redis blip must not get every pod restarted.
    expect(api.livenessProbe).toMatchObject({
      httpGet: { path: '/health/live', port: 8085 },
      initialDelaySeconds: 10,
      periodSeconds: 30,
    });
    expect(api.readinessProbe).toMatchObject({
      httpGet: { path: '/health/ready', port: 8085 },
      initialDelaySeconds: 5,
      periodSeconds: 10,
    });
  });

  it('mounts the required secrets of molam-secrets as files (NAME_FILE), and runs in production mode (issue 15 item 12)', () => {
    const pod = load('deployment.yaml').spec.template.spec;
    const env: any[] = pod.containers[0].env;
    const volume = pod.volumes.find((v: any) => v.name === 'secrets');
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === 'secrets');
    expect(volume.secret.secretName).toBe('molam-secrets');
    expect(mount).toMatchObject({ readOnly: true });
    const files = Object.fromEntries(volume.secret.items.map((i: any) => [`${mount.mountPath}/${i.path}`, i.key]));
    const fileOf = (name: string) => files[env.find((e) => e.name === `${name}_FILE`)?.value];
    expect(['DATABASE_URL', 'REDIS_URL', 'PEPPER', 'JWT_RESET_SECRET', 'AT_WEBHOOK_TOKEN'].map(fileOf)).toEqual([
      'database-url',
      'redis-url',
      'pepper',
      'jwt-reset-secret',
      'at-webhook-token',
    ]);
    // Not in the environment: neither inline nor from a secretKeyRef.
    expect(env.filter((e) => ['PEPPER', 'JWT_RESET_SECRET', 'DATABASE_URL', 'REDIS_URL'].includes(e.name))).toEqual([]);
    // Files readable by the pod's group only.
    expect(volume.secret.defaultMode).toBe(0o440);
    expect(pod.securityContext.fsGroup).toBe(pod.securityContext.runAsGroup);
    expect(env).toContainEqual({ name: 'NODE_ENV', value: 'production' });
    // No secret is written inline (a NAME_FILE holds a path).
    expect(
      env.filter((e) => /PEPPER|SECRET|TOKEN|_URL$|API_KEY/.test(e.name) && !e.name.endsWith('_FILE') && !e.valueFrom),
    ).toEqual([]);
  });

  it("lets a Twilio-only or an Africa's Talking-only Secret start: every SMS provider key is optional (issue 15 item 12)", () => {
    const env: any[] = load('deployment.yaml').spec.template.spec.containers[0].env;
    const fromSecret = Object.fromEntries(
      env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef]),
    );
    for (const name of [
      'AT_USERNAME',
      'AT_API_KEY',
      'TWILIO_SID',
      'TWILIO_TOKEN',
      'TWILIO_PHONE',
      'HUBTEL_WEBHOOK_TOKEN',
    ]) {
      expect(fromSecret[name], name).toMatchObject({ name: 'molam-secrets', optional: true });
    }
  });

  it('runs as non-root on a read-only root filesystem with no capabilities, /tmp its only writable path', () => {
    const pod = load('deployment.yaml').spec.template.spec;
    const api = pod.containers[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(api.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(api.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      expect.objectContaining({ name: 'secrets', readOnly: true }),
    ]);
    expect(pod.volumes).toEqual([
      expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }),
      expect.objectContaining({ name: 'secrets' }),
    ]);
    expect(api.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(api.resources.limits.memory).toBeDefined();
  });

  it('gives the preStop pause and the service drain time to finish before the kill', () => {
    const pod = load('deployment.yaml').spec.template.spec;
    const command: string[] = pod.containers[0].lifecycle.preStop.exec.command;
    expect(command[0]).toBe('sleep');
    const preStop = Number(command[1]);
    expect(preStop).toBeGreaterThanOrEqual(3);
    // Kubernetes counts the preStop hook inside the grace period; leave 5 s to close pools.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + drainSeconds() + 5);
  });

  it("is the guide's Service on 8085 and a PodDisruptionBudget keeping 2 of the 3 replicas", () => {
    expect(load('service.yaml')).toMatchObject({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME },
      spec: { selector: { app: NAME }, ports: [expect.objectContaining({ port: 8085, targetPort: 8085 })] },
    });
    expect(load('pdb.yaml')).toMatchObject({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      spec: { minAvailable: 2, selector: { matchLabels: { app: NAME } } },
    });
  });
});
