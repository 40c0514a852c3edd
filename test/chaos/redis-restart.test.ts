/**
 * Chaos: Redis dies mid-dialog and comes back empty. Real: the service
 * in-process on a fresh Postgres database, and a PRIVATE redis-server child
 * (random port, no persistence) that the test kill -9s and restarts on the
 * same port. The shared Redis on 6379 is never touched.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { startTestService, type TestService } from '../support/test-service.js';

const DEADLINE_MS = 3000;
// A hop must arrive within the telco deadline; the slack absorbs a loaded CI machine.
const SLACK_MS = 3000;
const MAX_SCREEN = 182;

let redis: PrivateRedis;
let svc: TestService;
let phone: string;
const sessionId = `ATUid_${randomUUID()}`;
let otp = '';

beforeAll(async () => {
  redis = await startPrivateRedis();
  svc = await startTestService({ env: { REDIS_URL: redis.url, USSD_HOP_DEADLINE_MS: String(DEADLINE_MS) } });
  phone = `+22177${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
});

afterAll(async () => {
  await redis?.restart().catch(() => undefined); // lets the service quit Redis cleanly if a test left it dead
  await svc?.stop();
  await redis?.stop();
});

interface Answer {
  status: number;
  text: string;
  ms: number;
}

/** POSTs and reads the answer; an answer that does not come within `limitMs` is status 0 (no answer). */
async function timedPost(path: string, contentType: string, body: string, limitMs: number): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(limitMs),
    });
    return { status: res.status, text: await res.text(), ms: Date.now() - started };
  } catch (err) {
    return { status: 0, text: `no answer within ${limitMs} ms (${(err as Error).name})`, ms: Date.now() - started };
  }
}

/** One AT hop, bounded: a hop must answer within the telco deadline (plus slack). */
const atHop = (session: string, who: string, text: string) =>
  timedPost(
    '/gateways/africastalking/ussd',
    'application/x-www-form-urlencoded',
    String(
      new URLSearchParams({ sessionId: session, serviceCode: '*384*1#', phoneNumber: who, networkCode: '60801', text }),
    ),
    DEADLINE_MS + SLACK_MS,
  );

const hubtelHop = (session: string, who: string, type: string, message: string, sequence: number) =>
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
    DEADLINE_MS + SLACK_MS,
  );

/** A polite END: what a telco shows the user, in time. `label` names the hop in a failure. */
function politeEndProblem(label: string, r: Answer, hubtel: boolean): string | null {
  if (r.status !== 200) return `${label}: status ${r.status} after ${r.ms} ms: ${r.text.slice(0, 80)}`;
  if (r.ms > DEADLINE_MS + SLACK_MS) return `${label}: answered after ${r.ms} ms`;
  if (hubtel) {
    const body = JSON.parse(r.text) as { Type?: unknown; Message?: unknown };
    const ok =
      body.Type === 'Release' &&
      typeof body.Message === 'string' &&
      body.Message.length > 0 &&
      body.Message.length <= MAX_SCREEN;
    return ok ? null : `${label}: not a Hubtel Release: ${r.text.slice(0, 80)}`;
  }
  return /^END \S/.test(r.text) && r.text.length - 4 <= MAX_SCREEN
    ? null
    : `${label}: not an END screen: ${r.text.slice(0, 80)}`;
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

describe('Redis restarted mid-dialog', () => {
  it('reaches "code sent" in a dialog while Redis is up', async () => {
    expect((await atHop(sessionId, phone, '')).text).toMatch(/^CON Molam ID/);
    expect((await atHop(sessionId, phone, '1')).text).toMatch(/^CON .*code/i);
    otp = await svc.lastOtpFor(phone);
  });

  it('answers every hop with a polite END (200, within the deadline) while Redis is dead, never a 5xx', async () => {
    await redis.kill();
    // An outage lasts: hops keep arriving for OUTAGE_MS (ioredis backs off more and more meanwhile).
    const OUTAGE_MS = 10_000;
    const kinds = [
      () => ['AT code mid-dialog', atHop(sessionId, phone, `1*${otp}`), false] as const,
      () => ['AT retry of an answered hop', atHop(sessionId, phone, '1'), false] as const,
      () => ['AT new dial, same user', atHop(`ATUid_${randomUUID()}`, phone, ''), false] as const,
      (i: number) =>
        [
          'AT new dial, another user',
          atHop(`ATUid_${randomUUID()}`, `+2217700${String(i).padStart(5, '0')}`, ''),
          false,
        ] as const,
      () => ['Hubtel initiation', hubtelHop(randomUUID(), phone, 'Initiation', '*713#', 1), true] as const,
      () => ['Hubtel response', hubtelHop(randomUUID(), phone, 'Response', '1', 2), true] as const,
    ];
    const sent: Array<Promise<string | null>> = [];
    const killedAt = Date.now();
    for (let i = 0; Date.now() - killedAt < OUTAGE_MS; i += 1) {
      const [label, answer, hubtel] = kinds[i % kinds.length]!(i);
      const at = Date.now() - killedAt;
      sent.push(answer.then((r) => politeEndProblem(`${label} sent ${at} ms into the outage`, r, hubtel)));
      await new Promise((r) => setTimeout(r, 400));
    }
    const problems = (await Promise.all(sent)).filter((p) => p !== null);
    expect(sent.length).toBeGreaterThanOrEqual(20);
    expect(problems).toEqual([]);
  });

  it('answers /health with 503 naming redis (postgres still up) while Redis is dead', async () => {
    const r = await svc.get('/health');
    expect(r.status).toBe(503);
    expect(r.body.checks.redis.status).toBe('down');
    expect(r.body.checks.postgres.status).toBe('up');
  });

  it('answers the HTTP API within 10 s and without a 500 while Redis is dead (the limiter falls back to memory, or a 503)', async () => {
    const r = await timedPost(
      '/v1/reset/start',
      'application/json',
      JSON.stringify({ kind: 'password', identifier: phone }),
      10_000,
    );
    expect(r.status, r.text).not.toBe(0);
    if (r.status === 503) expect(JSON.parse(r.text).error.code).toBe('service_unavailable');
    else expect(r.status, r.text).toBe(202);
  });

  it('recovers by itself once Redis is back on the same port: /health 200 without a restart', async () => {
    await redis.restart();
    const r = await waitForHealth(200, 20_000);
    expect(r.status).toBe(200);
    expect(r.body.checks.redis.status).toBe('up');
  });

  it('runs a new dialog end to end after the restart (the old dialog state is gone: the user dials again)', async () => {
    // The old session's next hop: its state died with Redis, so the user gets a valid screen, not an error.
    const stale = await atHop(sessionId, phone, `1*${otp}`);
    expect(stale.status).toBe(200);
    expect(stale.text).toMatch(/^(CON|END) \S/);

    const fresh = `ATUid_${randomUUID()}`;
    expect((await atHop(fresh, phone, '')).text).toMatch(/^CON Molam ID\n1\. /);
    expect((await atHop(fresh, phone, '1')).text).toMatch(/^CON .*code/i);
    const code = await svc.lastOtpFor(phone);
    expect(code).not.toBe(otp);
    expect((await atHop(fresh, phone, `1*${code}`)).text).toMatch(/^CON .*PIN/);
    expect((await atHop(fresh, phone, `1*${code}*4826`)).text).toMatch(/^CON /);
    expect((await atHop(fresh, phone, `1*${code}*4826*4826`)).text).toMatch(/^END .*PIN has been changed/);

    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id
       WHERE u.phone_e164 = $1 AND r.kind = 'ussd_pin' AND r.status = 'completed'`,
      [phone],
    );
    expect(rows).toHaveLength(1);
  });
});
