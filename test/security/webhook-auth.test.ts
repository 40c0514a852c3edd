/**
 * Item 1: every provider webhook of a production instance (real PostgreSQL and
 * Redis, SMS through the real africastalking/twilio SDKs to the local fakes in
 * test/support/fake-providers.ts) refuses a caller without its secret. The
 * attack: an Initiation on Hubtel's route with a victim's Mobile, no token.
 * Payloads are the recorded-shape fixtures in gateways/<kind>/fixtures.
 */
import { randomInt, randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../src/http/error-middleware.js';
import { requireWebhookToken, webhookToken } from '../../src/http/webhook-auth.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startFakeAfricasTalking, startFakeTwilio } from '../support/fake-providers.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { gatewayFixture } from '../support/gateway-fixtures.js';
import { hubtelSession } from '../support/ussd-sessions.js';

const AT = { username: 'molam', apiKey: 'at-api-key-test' };
const TW = { accountSid: `AC${'2'.repeat(32)}`, authToken: 't'.repeat(32) };
const AT_TOKEN = 'a'.repeat(40);
const HUBTEL_TOKEN = 'h'.repeat(40);
/** The optional USSD gateways: not mounted in production without their token. */
const OPTIONAL_USSD_TOKENS = {
  HUBTEL_WEBHOOK_TOKEN: HUBTEL_TOKEN,
  ARKESEL_WEBHOOK_TOKEN: 'k'.repeat(40),
  NALO_WEBHOOK_TOKEN: 'n'.repeat(40),
};

let at: Awaited<ReturnType<typeof startFakeAfricasTalking>>;
let tw: Awaited<ReturnType<typeof startFakeTwilio>>;

/** A production instance: every secret production requires, plus `extra`. */
const productionService = (extra: Record<string, string> = {}) =>
  startTestService({
    env: {
      NODE_ENV: 'production',
      PEPPER: 'p'.repeat(40),
      JWT_RESET_SECRET: 'j'.repeat(40),
      AT_WEBHOOK_TOKEN: AT_TOKEN,
      BCRYPT_COST: '12',
      AT_USERNAME: AT.username,
      AT_API_KEY: AT.apiKey,
      AT_API_BASE_URL: at.baseUrl,
      ...extra,
    },
  });

const fixture = (name: string) => gatewayFixture<{ contentType: string; body: unknown }>(name);

/** Posts a recorded payload as the provider sends it (form or JSON). */
async function postFixture(svc: TestService, path: string, name: string) {
  const { contentType, body } = fixture(name);
  const res = await fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return res.status;
}

const WEBHOOKS: Array<[route: string, fixture: string]> = [
  ['/gateways/africastalking/ussd', 'at-ussd-first-hop'],
  ['/gateways/africastalking/ussd/events', 'at-ussd-end-success'],
  ['/gateways/africastalking/sms/inbound', 'at-sms-inbound'],
  ['/gateways/africastalking/sms/delivery', 'at-sms-delivery-success'],
  ['/gateways/hubtel/ussd', 'hubtel-initiation'],
  ['/gateways/arkesel/ussd', 'arkesel-new-session'],
  ['/gateways/nalo/ussd', 'nalo-initial'],
  ['/gateways/twilio/sms/inbound', 'twilio-sms-inbound'],
  ['/gateways/twilio/sms/status', 'twilio-sms-status-delivered'],
];

async function newVictim(svc: TestService) {
  const local = `24${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone: `+233${local}`, language: 'en', country: 'GH' });
  return { e164: `+233${local}`, hubtelMobile: `233${local}` };
}

/** Hubtel's Initiation then "1" (reset PIN): what an attacker sends to start a victim's reset. */
async function hubtelAttack(svc: TestService, mobile: string, token?: string) {
  const session = hubtelSession(svc, mobile, { token });
  const dial = await session.dial();
  const choose = await session.type('1');
  return { dial, choose };
}

async function resetRequestsOf(svc: TestService, phone: string) {
  const { rows } = await svc.app.db.query(
    'SELECT r.id FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1',
    [phone],
  );
  return rows.length;
}

beforeAll(async () => {
  at = await startFakeAfricasTalking(AT);
  tw = await startFakeTwilio(TW);
});
afterAll(async () => {
  await Promise.all([at?.close(), tw?.close()]);
});

describe('item 1: production without the optional USSD tokens (Hubtel, Arkesel…) or Twilio credentials', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await productionService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it.each(WEBHOOKS)(
    'answers %s without credentials with 403, or 404 when the provider is not mounted',
    async (route, name) => {
      const expected = route.startsWith('/gateways/africastalking/') ? 403 : 404;
      expect(await postFixture(svc, route, name)).toBe(expected);
    },
  );

  it("refuses Africa's Talking calls with a wrong token", async () => {
    expect(
      (await svc.atHop({ sessionId: randomUUID(), phone: '+233240000001', text: '', token: 'b'.repeat(40) })).status,
    ).toBe(403);
  });

  it("does not serve the attack: a Hubtel Initiation with a victim's Mobile finds no route, sends no code, opens no request", async () => {
    const victim = await newVictim(svc);
    const { dial, choose } = await hubtelAttack(svc, victim.hubtelMobile);
    expect([dial.status, choose.status]).toEqual([404, 404]);
    await svc.app.settle();
    expect(at.requests.filter((r) => r.form.to === victim.e164)).toEqual([]);
    expect(await resetRequestsOf(svc, victim.e164)).toBe(0);
  });

  it('names the missing variables once at start-up', () => {
    const lines = svc.logs.join('');
    for (const name of Object.keys(OPTIONAL_USSD_TOKENS)) {
      expect(lines.match(new RegExp(`${name} is not set`, 'g'))).toHaveLength(1);
    }
    expect(lines.match(/TWILIO_TOKEN \(with TWILIO_SID and TWILIO_PHONE\) is not set/g)).toHaveLength(1);
  });
});

describe('item 1: production with every provider configured', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await productionService({
      ...OPTIONAL_USSD_TOKENS,
      TWILIO_SID: TW.accountSid,
      TWILIO_TOKEN: TW.authToken,
      TWILIO_PHONE: '+15005550006',
      TWILIO_API_BASE_URL: tw.baseUrl,
      PUBLIC_BASE_URL: 'https://reset.molam.test',
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it.each(WEBHOOKS)('answers %s without credentials with 403', async (route, name) => {
    expect(await postFixture(svc, route, name)).toBe(403);
  });

  it('refuses the Hubtel attack without the token or with a wrong one, and serves Hubtel with the right one', async () => {
    const victim = await newVictim(svc);
    for (const token of [undefined, 'x'.repeat(40)]) {
      const { dial, choose } = await hubtelAttack(svc, victim.hubtelMobile, token);
      expect([dial.status, dial.error, choose.status]).toEqual([403, 'forbidden', 403]);
    }
    await svc.app.settle();
    expect(at.requests.filter((r) => r.form.to === victim.e164)).toEqual([]);
    expect(await resetRequestsOf(svc, victim.e164)).toBe(0);

    const { dial, choose } = await hubtelAttack(svc, victim.hubtelMobile, HUBTEL_TOKEN);
    expect([dial.status, dial.Type]).toEqual([200, 'Response']);
    expect(dial.Message).toMatch(/^Molam ID\n1\. Reset PIN/);
    expect(choose.Message).toMatch(/code/i);
    expect(await resetRequestsOf(svc, victim.e164)).toBe(1);
  });

  it('does not log a missing webhook secret', () => {
    expect(svc.logs.join('')).not.toMatch(/not mounted/);
  });
});

describe('item 1: the production token guard refuses when no token is configured (defence in depth)', () => {
  /** A one-route app behind the real guard and error middleware. */
  async function guarded(isProduction: boolean) {
    const router = new Router();
    const metrics = createMetrics();
    router.post('/hook', (ctx) => {
      requireWebhookToken(ctx, webhookToken({ isProduction }, undefined), metrics, 'hubtel');
      ctx.status = 204;
    });
    const koa = new Koa().use(errorMiddleware(createLogger('silent'))).use(router.routes());
    const server = koa.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      return (await fetch(`http://127.0.0.1:${port}/hook?token=anything`, { method: 'POST' })).status;
    } finally {
      server.close();
    }
  }

  it('answers 403 in production, and stays open in development', async () => {
    expect(await guarded(true)).toBe(403);
    expect(await guarded(false)).toBe(204);
  });
});
