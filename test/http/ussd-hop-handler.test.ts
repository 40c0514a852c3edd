/**
 * The USSD hop webhooks are answered in front of koa (src/http/ussd-hop-handler.ts).
 * Every answer must be the one koa gives: the same screen, the same error JSON
 * and codes, the same request metric; what the handler does not take (another
 * method, another body type) still reaches koa. Real PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser } from '../support/users.js';

const TOKEN = 'hop-handler-token-0123456789abcdef';
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { AT_WEBHOOK_TOKEN: TOKEN, HUBTEL_WEBHOOK_TOKEN: TOKEN } });
});
afterAll(async () => {
  await svc?.stop();
});

const post = (path: string, body: string, contentType: string) =>
  fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
const atForm = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const AT = `/gateways/africastalking/ussd?token=${TOKEN}`;
const errorOf = async (r: Response) => ((await r.json()) as { error: Record<string, unknown> }).error;

describe('issue 12 step 3: USSD hops answered in front of koa', () => {
  it('answers a dial with the menu, as text/plain, and counts it under the route template', async () => {
    const { phone } = await seedUser(svc.app.db, { language: 'en' });
    const r = await post(
      AT,
      atForm({ sessionId: `ATUid_${randomUUID()}`, phoneNumber: phone, text: '' }),
      'application/x-www-form-urlencoded',
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toMatch(/^CON Molam ID\n1\. Reset PIN/);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(
      /molam_id_request_duration_seconds_count\{method="POST",route="\/gateways\/africastalking\/ussd",status="200"\} [1-9]/,
    );
  });

  it('answers Hubtel JSON as application/json', async () => {
    const { phone } = await seedUser(svc.app.db, { language: 'fr' });
    const body = JSON.stringify({
      Type: 'Initiation',
      Message: '*384*1#',
      Mobile: phone.slice(1),
      SessionId: randomUUID(),
      Sequence: 1,
    });
    const r = await post(`/gateways/hubtel/ussd?token=${TOKEN}`, body, 'application/json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await r.json()).toMatchObject({ Type: 'Response', Message: expect.stringMatching(/^Molam ID\n1\. /) });
  });

  it('refuses a wrong token, an oversize body, malformed JSON and a bad payload with the error JSON koa gives', async () => {
    const wrongToken = await post(
      '/gateways/africastalking/ussd?token=nope',
      atForm({ sessionId: 's', phoneNumber: '+221770000001', text: '' }),
      'application/x-www-form-urlencoded',
    );
    expect(wrongToken.status).toBe(403);
    expect((await errorOf(wrongToken)).code).toBe('forbidden');

    const oversize = await post(AT, `text=${'1'.repeat(20_000)}`, 'application/x-www-form-urlencoded');
    expect(oversize.status).toBe(413);
    expect((await errorOf(oversize)).code).toBe('payload_too_large');

    const malformed = await post(`/gateways/hubtel/ussd?token=${TOKEN}`, '{"Type":', 'application/json');
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toMatchObject({ code: 'invalid_request', message: 'Malformed request body' });

    const notObject = await post(`/gateways/hubtel/ussd?token=${TOKEN}`, '"initiation"', 'application/json');
    expect(notObject.status).toBe(400);
    expect((await errorOf(notObject)).code).toBe('invalid_request');

    const missing = await post(AT, atForm({ sessionId: 's' }), 'application/x-www-form-urlencoded');
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatchObject({ code: 'invalid_payload', field: 'phoneNumber' });
  });

  it('answers hops on its own, without koa, and hands back what it does not take', async () => {
    // The app's handler alone on a bare server: 599 marks "left to koa".
    const bare = http.createServer((req, res) => {
      if (!svc.app.ussdHopHandler(req, res)) res.writeHead(599).end();
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    try {
      const { phone } = await seedUser(svc.app.db, { language: 'en' });
      const dial = await fetch(`${url}${AT}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: atForm({ sessionId: `ATUid_${randomUUID()}`, phoneNumber: phone, text: '' }),
      });
      expect(await dial.text()).toMatch(/^CON Molam ID\n1\. Reset PIN/);
      expect((await fetch(`${url}${AT}`)).status).toBe(599);
      expect(
        (
          await fetch(`${url}/v1/reset/start`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      ).toBe(599);
      const plain = await fetch(`${url}${AT}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      });
      expect(plain.status).toBe(599);
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });

  it('leaves other methods and body types to koa: 405 with Allow, 415', async () => {
    const get = await fetch(`${svc.url}${AT}`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toMatch(/POST/);
    const text = await post(AT, 'sessionId=s', 'text/plain');
    expect(text.status).toBe(415);
    expect((await errorOf(text)).code).toBe('unsupported_media_type');
  });
});
