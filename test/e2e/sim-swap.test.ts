/**
 * Issue 15 item 15: the SIM-swap refusal end to end, over HTTP and over USSD.
 * Real: the service started in-process on a fresh PostgreSQL database and
 * Redis, its CAMARA client (src/risk/sim-swap.ts) calling SIM_SWAP_API_URL;
 * the operator's SIM Swap API is a local server speaking CAMARA's
 * `POST /check {phoneNumber, maxAge} → {swapped}` (the wire format of
 * test/risk/sim-swap.test.ts), answering swapped for the numbers a test marks.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';
import { atSession } from '../support/ussd-sessions.js';
import { seedUser } from '../support/users.js';

const AT_TOKEN = 'at-hook-secret-for-sim-swap-tests';
const swapped = new Set<string>();
const asked: Array<{ path: string; body: { phoneNumber: string; maxAge: number } }> = [];
let camaraDown = false;
let camara: Server;
let svc: TestService;
let refusing: TestService;

beforeAll(async () => {
  camara = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { phoneNumber: string; maxAge: number };
    asked.push({ path: req.url ?? '', body });
    if (camaraDown) return res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"UNAVAILABLE"}');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ swapped: swapped.has(body.phoneNumber) }));
  });
  await new Promise<void>((resolve) => camara.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(camara.address() as AddressInfo).port}/sim-swap/v0`;
  [svc, refusing] = await Promise.all([
    startTestService({ env: { SIM_SWAP_API_URL: url, SIM_SWAP_MAX_AGE_HOURS: '48', AT_WEBHOOK_TOKEN: AT_TOKEN } }),
    startTestService({ env: { SIM_SWAP_API_URL: url, SIM_SWAP_UNKNOWN_POLICY: 'refuse' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([svc?.stop(), refusing?.stop()]);
  camara?.closeAllConnections();
  await new Promise((r) => camara?.close(r));
});

const newUser = async (on: TestService, language = 'en') => (await seedUser(on.app.db, { language })).phone;

/** Every message the dev outbox holds for `phone` (after deferred sends settle). */
async function messagesTo(on: TestService, phone: string) {
  await on.app.settle();
  return [...(on.app.outbox?.list() ?? [])].filter((m) => m.to === phone);
}

const auditOutcomes = async (on: TestService, subjectTail: string) =>
  (
    await on.app.db.query<{ outcome: string }>(
      "SELECT outcome FROM molam_audit_log WHERE action = 'reset.rate_limited' AND subject LIKE $1",
      [`%${subjectTail}`],
    )
  ).rows.map((r) => r.outcome);

describe('issue 15 item 15: SIM-swap refusal over HTTP', () => {
  it('refuses a code by SMS to a number whose SIM changed, with 403 channel_refused, sending nothing', async () => {
    const phone = await newUser(svc);
    swapped.add(phone);
    const r = await svc.post('/v1/reset/start', { kind: 'password', identifier: phone });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({
      error: { code: 'channel_refused', message: expect.stringMatching(/visit a Molam agent/) },
    });
    expect(asked.at(-1)).toEqual({ path: '/sim-swap/v0/check', body: { phoneNumber: phone, maxAge: 48 } });
    expect(await messagesTo(svc, phone)).toEqual([]);
    expect(await auditOutcomes(svc, phone.slice(-2))).toContain('sim_swap');
  });

  it('sends the code as usual when the operator says the SIM did not change', async () => {
    const phone = await newUser(svc);
    const r = await svc.post('/v1/reset/start', { kind: 'password', identifier: phone });
    expect(r.status).toBe(202);
    expect(await svc.lastOtpFor(phone)).toMatch(/^\d{6}$/);
    expect(asked.at(-1)!.body.phoneNumber).toBe(phone);
  });

  it('refuses when the check goes unanswered and SIM_SWAP_UNKNOWN_POLICY=refuse', async () => {
    const phone = await newUser(refusing);
    camaraDown = true;
    try {
      const r = await refusing.post('/v1/reset/start', { kind: 'password', identifier: phone });
      expect(r).toMatchObject({ status: 403, body: { error: { code: 'channel_refused' } } });
    } finally {
      camaraDown = false;
    }
    expect(await messagesTo(refusing, phone)).toEqual([]);
  });
});

describe('issue 15 item 15: SIM-swap refusal over USSD', () => {
  it("ends the dialog with the SIM-change screen in the caller's language, sending no code", async () => {
    const phone = await newUser(svc, 'en');
    swapped.add(phone);
    const s = atSession(svc, phone, { token: AT_TOKEN, sessionId: `ATUid_${randomUUID()}` });
    expect(await s.dial()).toMatch(/^CON Molam ID\n1\. /);
    const refused = await s.type('1');
    expect(refused).toMatch(
      /^END Your SIM card changed recently\. For your safety, please go to a Molam agent with your ID card\./,
    );
    expect(asked.at(-1)!.body).toEqual({ phoneNumber: phone, maxAge: 48 });
    expect(await messagesTo(svc, phone)).toEqual([]);
  });

  it('shows the French screen to a French-speaking caller, and lets a caller with an unchanged SIM through', async () => {
    const swappedPhone = await newUser(svc, 'fr');
    swapped.add(swappedPhone);
    const s = atSession(svc, swappedPhone, { token: AT_TOKEN });
    await s.dial();
    expect(await s.type('1')).toMatch(/^END Votre carte SIM a change recemment/);

    const phone = await newUser(svc, 'en');
    const ok = atSession(svc, phone, { token: AT_TOKEN });
    await ok.dial();
    expect(await ok.type('1')).toMatch(/^CON .*code/i);
    expect(await svc.lastOtpFor(phone)).toMatch(/^\d{6}$/);
  });
});
