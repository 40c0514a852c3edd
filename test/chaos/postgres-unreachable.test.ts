/**
 * Chaos: Postgres becomes unreachable, then comes back. Real: the service
 * in-process on the shared Redis (own prefix) and a fresh Postgres database
 * reached through a TCP proxy (test/support/tcp-proxy.ts) that the test cuts
 * (connections reset and refused) or stalls (a partition: nothing answers).
 * The shared Postgres itself is never touched.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestService, type TestService } from '../support/test-service.js';

const DEADLINE_MS = 2000;
// A hop must arrive within the telco deadline; the slack absorbs a loaded CI machine
// (and stays below pg's 5 s connection timeout, so waiting on it is not mistaken for an answer in time).
const SLACK_MS = 2000;
const MAX_SCREEN = 182;

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

const randomPhone = () => `+22177${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

async function newUser() {
  const phone = randomPhone();
  await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
  return phone;
}

afterAll(async () => {
  proxy?.restore();
  await svc?.stop();
  await proxy?.close();
  await database?.drop();
});

interface Answer {
  status: number;
  text: string;
  ms: number;
  retryAfter: string | null;
}

/** POSTs and reads the answer; no answer within `limitMs` is status 0. */
async function timedPost(
  path: string,
  contentType: string,
  body: string,
  limitMs = DEADLINE_MS + SLACK_MS,
): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(limitMs),
    });
    return {
      status: res.status,
      text: await res.text(),
      ms: Date.now() - started,
      retryAfter: res.headers.get('retry-after'),
    };
  } catch (err) {
    return {
      status: 0,
      text: `no answer within ${limitMs} ms (${(err as Error).name})`,
      ms: Date.now() - started,
      retryAfter: null,
    };
  }
}

const form = (fields: Record<string, string>) => String(new URLSearchParams(fields));
const atHop = (session: string, who: string, text: string) =>
  timedPost(
    '/gateways/africastalking/ussd',
    'application/x-www-form-urlencoded',
    form({ sessionId: session, serviceCode: '*384*1#', phoneNumber: who, networkCode: '60801', text }),
  );
const hubtel = (session: string, who: string, type: string, message: string, sequence: number) =>
  timedPost(
    '/gateways/hubtel/ussd',
    'application/json',
    JSON.stringify({
      Type: type,
      Message: message,
      ServiceCode: '713',
      Operator: 'mtn',
      Mobile: who.slice(1),
      SessionId: session,
      Sequence: sequence,
    }),
  );
const json = (path: string, body: unknown, limitMs?: number) =>
  timedPost(path, 'application/json', JSON.stringify(body), limitMs);

/**
 * null when `r` is a valid USSD answer that arrived in time and, when `mustEnd`,
 * closes the session (a screen that needs the database cannot continue); otherwise what is wrong.
 */
function hopProblem(label: string, r: Answer, opts: { hubtel?: boolean; mustEnd: boolean }): string | null {
  if (r.status !== 200) return `${label}: status ${r.status} after ${r.ms} ms: ${r.text.slice(0, 100)}`;
  if (r.ms > DEADLINE_MS + SLACK_MS) return `${label}: answered after ${r.ms} ms (deadline ${DEADLINE_MS} ms)`;
  let end: boolean;
  let screen: unknown;
  if (opts.hubtel) {
    const body = JSON.parse(r.text) as { Type?: unknown; Message?: unknown };
    if (body.Type !== 'Release' && body.Type !== 'Response')
      return `${label}: not a Hubtel reply: ${r.text.slice(0, 100)}`;
    end = body.Type === 'Release';
    screen = body.Message;
  } else {
    if (!/^(CON|END) \S/.test(r.text)) return `${label}: not a CON/END screen: ${r.text.slice(0, 100)}`;
    end = r.text.startsWith('END ');
    screen = r.text.slice(4);
  }
  if (typeof screen !== 'string' || screen.length === 0 || screen.length > MAX_SCREEN)
    return `${label}: bad screen text: ${r.text.slice(0, 100)}`;
  return opts.mustEnd && !end ? `${label}: expected an END, got: ${r.text.slice(0, 100)}` : null;
}

interface Dialog {
  phone: string;
  sessionId: string;
  otp: string;
}

/** A user whose dialog waits for the code. */
async function dialogAtCode(): Promise<Dialog> {
  const phone = await newUser();
  const sessionId = `ATUid_${randomUUID()}`;
  expect((await atHop(sessionId, phone, '')).text).toMatch(/^CON Molam ID/);
  expect((await atHop(sessionId, phone, '1')).text).toMatch(/^CON .*code/i);
  return { phone, sessionId, otp: await svc.lastOtpFor(phone) };
}

/** The hops a telco may send during the outage, one after the other; returns what went wrong. */
async function hopsDuringOutage(d: Dialog): Promise<string[]> {
  const other = randomPhone();
  const problems = [
    // Checking the code needs the database: the session must close politely.
    hopProblem('AT code mid-dialog', await atHop(d.sessionId, d.phone, `1*${d.otp}`), { mustEnd: true }),
    // A dial on a live dialog may be answered from Redis alone (resume), or closed.
    hopProblem('AT new dial (same user)', await atHop(`ATUid_${randomUUID()}`, d.phone, ''), { mustEnd: false }),
    // A new dialog needs the caller's profile from the database.
    hopProblem('AT new dial (other number)', await atHop(`ATUid_${randomUUID()}`, other, ''), { mustEnd: true }),
    hopProblem(
      'Hubtel initiation (other number)',
      await hubtel(randomUUID(), randomPhone(), 'Initiation', '*713#', 1),
      { hubtel: true, mustEnd: true },
    ),
  ];
  return problems.filter((p): p is string => p !== null);
}

async function waitForHealth(status: number, withinMs: number) {
  let last: { status: number; body: any } | undefined;
  for (const until = Date.now() + withinMs; Date.now() < until;) {
    last = await svc.get('/health');
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last!;
}

/** A new dialog and an API start work again: the service recovered without a restart. */
async function expectWorkingAgain() {
  const healthy = await waitForHealth(200, 15_000);
  expect(healthy.status).toBe(200);
  expect(healthy.body.checks.postgres.status).toBe('up');
  const d = await dialogAtCode();
  expect((await atHop(d.sessionId, d.phone, `1*${d.otp}`)).text).toMatch(/^CON .*PIN/);
  const start = await json('/v1/reset/start', { kind: 'password', identifier: randomPhone() });
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
    const release = await hubtel(randomUUID(), dialog.phone, 'Release', '', 3);
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
    const r = await json('/v1/reset/start', { kind: 'password', identifier: randomPhone() }, 10_000);
    expect(r.status, r.text.slice(0, 120)).toBe(503);
    expect(JSON.parse(r.text).error.code).toBe('service_unavailable');
  });

  it('recovers without a restart once the partition ends', async () => {
    proxy.restore();
    await expectWorkingAgain();
  });
});
