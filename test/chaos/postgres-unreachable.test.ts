/**
 * Chaos: Postgres becomes unreachable, then comes back. Real: the service
 * in-process on the shared Redis (own prefix) and a fresh Postgres database
 * reached through a TCP proxy (test/support/tcp-proxy.ts) that the test cuts
 * (connections reset and refused) or stalls (a partition: nothing answers).
 * The shared Postgres itself is never touched.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChaosClient } from '../support/chaos-client.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser, senegaleseNumber } from '../support/users.js';

const DEADLINE_MS = 2000;

let proxy: TcpProxy;
let database: TestDatabase;
let svc: TestService;
let resetToken = '';
let requestId = '';

beforeAll(async () => {
  const target = new URL(PG_ADMIN_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  database = await createTestDatabase('chaos_pg');
  svc = await startTestService({
    env: { DATABASE_URL: proxy.rewrite(database.url), USSD_HOP_DEADLINE_MS: String(DEADLINE_MS) },
  });
});

afterAll(async () => {
  proxy?.restore();
  await svc?.stop();
  await proxy?.close();
  await database?.drop();
});

const { timedPost, form, atHop, hubtelHop, json, hopProblem, dialToCode, waitForHealth } = createChaosClient(
  () => svc,
  {
    deadlineMs: DEADLINE_MS,
    // The slack absorbs a loaded CI machine (and stays below pg's 5 s connection timeout,
    // so waiting on it is not mistaken for an answer in time).
    slackMs: 2000,
  },
);

interface Dialog {
  phone: string;
  sessionId: string;
  otp: string;
}

/** A user whose dialog waits for the code. */
async function dialogAtCode(): Promise<Dialog> {
  const { phone } = await seedUser(svc.app.db);
  return { phone, ...(await dialToCode(phone)) };
}

/** The hops a telco may send during the outage, one after the other; returns what went wrong. */
async function hopsDuringOutage(d: Dialog): Promise<string[]> {
  const other = senegaleseNumber();
  const problems = [
    // Checking the code needs the database: the session must close politely.
    hopProblem('AT code mid-dialog', await atHop(d.sessionId, d.phone, `1*${d.otp}`), { mustEnd: true }),
    // A dial on a live dialog may be answered from Redis alone (resume), or closed.
    hopProblem('AT new dial (same user)', await atHop(`ATUid_${randomUUID()}`, d.phone, ''), { mustEnd: false }),
    // A new dialog needs the caller's profile from the database.
    hopProblem('AT new dial (other number)', await atHop(`ATUid_${randomUUID()}`, other, ''), { mustEnd: true }),
    hopProblem(
      'Hubtel initiation (other number)',
      await hubtelHop(randomUUID(), senegaleseNumber(), 'Initiation', '*713#', 1),
      { hubtel: true, mustEnd: true },
    ),
  ];
  return problems.filter((p): p is string => p !== null);
}

/** A new dialog and an API start work again: the service recovered without a restart. */
async function expectWorkingAgain() {
  const healthy = await waitForHealth(200, 15_000);
  expect(healthy.status).toBe(200);
  expect(healthy.body.checks.postgres.status).toBe('up');
  const d = await dialogAtCode();
  expect((await atHop(d.sessionId, d.phone, `1*${d.otp}`)).text).toMatch(/^CON .*PIN/);
  const start = await json('/v1/reset/start', { kind: 'password', identifier: senegaleseNumber() });
  expect(start.status).toBe(202);
}

describe('Postgres unreachable (connections reset and refused)', () => {
  let dialog: Dialog;

  it('reaches "code sent" in a dialog and gets a reset token over HTTP while Postgres is reachable', async () => {
    dialog = await dialogAtCode();
    const started = JSON.parse(
      (await json('/v1/reset/start', { kind: 'password', identifier: dialog.phone })).text,
    ) as { requestId: string };
    requestId = started.requestId;
    const verified = await json('/v1/reset/verify', { requestId, otp: await svc.lastOtpFor(dialog.phone) });
    expect(verified.status).toBe(200);
    resetToken = (JSON.parse(verified.text) as { resetToken: string }).resetToken;
  });

  it('answers /health with 503 naming postgres (redis still up) once the link is cut', async () => {
    proxy.cut();
    const r = await svc.get('/health');
    expect(r.status).toBe(503);
    expect(r.body.checks.postgres.status).toBe('down');
    expect(r.body.checks.redis.status).toBe('up');
  });

  it('answers every USSD hop with a valid screen within the deadline, a polite END when it needs Postgres, never a 5xx', async () => {
    expect(await hopsDuringOutage(dialog)).toEqual([]);
  });

  it('answers the HTTP API with 503 service_unavailable JSON and a Retry-After, never a 500', async () => {
    const calls = {
      start: await json('/v1/reset/start', { kind: 'password', identifier: dialog.phone }),
      resend: await json('/v1/reset/resend', { requestId }),
      verify: await json('/v1/reset/verify', { requestId, otp: '123456' }),
      complete: await json('/v1/reset/complete', { resetToken, newPassword: 'Correct-Horse-9-Battery' }),
    };
    const seen = Object.fromEntries(
      Object.entries(calls).map(([name, r]) => [
        name,
        {
          status: r.status,
          code: r.status ? (JSON.parse(r.text) as { error?: { code?: string } }).error?.code : r.text,
          retryAfter: r.retryAfter,
        },
      ]),
    );
    const expected = { status: 503, code: 'service_unavailable', retryAfter: '5' };
    expect(seen).toEqual({ start: expected, resend: expected, verify: expected, complete: expected });
  });

  it('answers the end-of-session webhooks (AT events, Hubtel release) without a 500', async () => {
    const events = await timedPost(
      '/gateways/africastalking/ussd/events',
      'application/x-www-form-urlencoded',
      form({
        sessionId: dialog.sessionId,
        phoneNumber: dialog.phone,
        status: 'Incomplete',
        hopsCount: '3',
        durationInMillis: '4000',
      }),
    );
    const release = await hubtelHop(randomUUID(), dialog.phone, 'Release', '', 3);
    for (const r of [events, release]) {
      expect(r.status, r.text).not.toBe(0);
      expect(r.status, r.text).not.toBe(500);
      if (r.status >= 500) expect(JSON.parse(r.text).error.code).toBe('service_unavailable');
    }
  });

  it('recovers without a restart once the link is back: /health 200, a new dialog and the API work', async () => {
    proxy.restore();
    await expectWorkingAgain();
  });
});

describe('Postgres partitioned (connections open, nothing answers)', () => {
  let dialog: Dialog;

  it('answers /health 503 naming postgres within its check timeout', async () => {
    dialog = await dialogAtCode();
    // A pool that was busy a moment ago holds idle connections: the partition catches them open.
    await Promise.all(Array.from({ length: 8 }, () => svc.app.db.query('SELECT pg_sleep(0.05)')));
    proxy.stall();
    const r = await svc.get('/health');
    expect(r.status).toBe(503);
    expect(r.body.checks.postgres.status).toBe('down');
  });

  it('answers every USSD hop with a valid screen within the deadline, a polite END when it needs Postgres', async () => {
    expect(await hopsDuringOutage(dialog)).toEqual([]);
  });

  it('answers the HTTP API within 10 s with 503 service_unavailable while Postgres hangs', async () => {
    const r = await json('/v1/reset/start', { kind: 'password', identifier: senegaleseNumber() }, 10_000);
    expect(r.status, r.text.slice(0, 120)).toBe(503);
    expect(JSON.parse(r.text).error.code).toBe('service_unavailable');
  });

  it('recovers without a restart once the partition ends', async () => {
    proxy.restore();
    await expectWorkingAgain();
  });
});
