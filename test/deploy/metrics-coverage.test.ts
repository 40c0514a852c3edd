/**
 * Every molam_id_* metric that deploy/prometheus/rules.yml and
 * deploy/grafana/dashboard.json use is exported by the service's /metrics.
 * Real: the service in-process (embedded PGlite and store), one password reset
 * over HTTP and one wrong code, so the counters also carry samples.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';

const repo = path.resolve(import.meta.dirname, '../..');
const FILES = ['deploy/prometheus/rules.yml', 'deploy/prometheus/rules.test.yml', 'deploy/grafana/dashboard.json'];
const DEMO_PHONE = '+221770000001'; // seeded in embedded mode (src/dev/seed.ts)

/** Metric names a file mentions, comments included: a name in a comment must exist too. */
const referenced = (file: string) =>
  [...readFileSync(path.join(repo, file), 'utf8').matchAll(/\bmolam_id_[a-z0-9_]+/g)].map((m) => m[0]);

/** The family a sample name belongs to in `# TYPE` lines: histogram series drop their suffix. */
function family(name: string, exposition: string): string | undefined {
  if (exposition.includes(`# TYPE ${name} `)) return name;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return new RegExp(`^# TYPE ${base} (histogram|summary)$`, 'm').test(exposition) ? base : undefined;
}

let svc: TestService;
let exposition: string;

beforeAll(async () => {
  svc = await startTestService({ embedded: true });
  const start = await svc.post('/v1/reset/start', { kind: 'password', identifier: DEMO_PHONE });
  expect(start.status).toBe(202);
  const otp = await svc.lastOtpFor(DEMO_PHONE);
  const wrong = otp === '000000' ? '111111' : '000000';
  expect(
    (await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp: wrong })).status,
  ).toBeGreaterThanOrEqual(400);
  const verify = await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp });
  expect(verify.status).toBe(200);
  const complete = await svc.post('/v1/reset/complete', {
    resetToken: verify.body.resetToken,
    newPassword: 'baobab lantern orbit 71',
  });
  expect(complete.status).toBe(204);
  await svc.app.settle();
  exposition = (await svc.get('/metrics')).text;
});
afterAll(async () => {
  await svc?.stop();
});

describe('metrics used by alerts and the dashboard', () => {
  it.each(FILES)('every metric %s uses is exported by /metrics', (file) => {
    const names = [...new Set(referenced(file))];
    expect(names.length).toBeGreaterThan(0);
    expect(
      names.filter((n) => !family(n, exposition)),
      `not in /metrics of ${file}`,
    ).toEqual([]);
  });

  it('has samples after one reset, for the counters the guide panels and OTP alert divide', () => {
    for (const sample of [
      'molam_id_reset_requests_total{kind="password",channel="sms",country="SN"} 1',
      'molam_id_otp_verifications_total{kind="password",result="ok"} 1',
      'molam_id_messages_sent_total{channel="sms",result="sent"}',
      'molam_id_resets_completed_total{kind="password",channel="sms"} 1',
    ])
      expect(exposition).toContain(sample);
    expect(exposition).toMatch(/^molam_id_otp_failures_total\{kind="password",reason="\w+"\} 1$/m);
    expect(exposition).toMatch(/^molam_id_request_duration_seconds_bucket\{.*route="\/v1\/reset\/start".*\} \d+$/m);
  });
});
