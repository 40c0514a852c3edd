/**
 * A whole Hubtel-style JSON USSD session (latest input only in Message,
 * Initiation/Response/Release) against a started service on the real
 * PostgreSQL and Redis.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

function hubtelSession(mobile: string) {
  const SessionId = randomUUID().replace(/-/g, '');
  let Sequence = 0;
  const send = async (Type: string, Message: string, sequence?: number) => {
    if (sequence === undefined) Sequence += 1;
    const r = await svc.post('/gateways/hubtel/ussd', {
      Type,
      Message,
      ServiceCode: '714',
      Operator: 'mtn',
      ClientState: '',
      Mobile: mobile,
      SessionId,
      Sequence: sequence ?? Sequence,
      Platform: 'USSD',
    });
    return r;
  };
  return {
    dial: () => send('Initiation', '*714#'),
    type: (message: string) => send('Response', message),
    retryLast: (message: string) => send('Response', message, Sequence),
    release: () => send('Release', ''),
  };
}

describe('Hubtel USSD dialog', () => {
  it('resets a PIN in English (Ghana) with Response/Release replies', async () => {
    const local = `24${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    const phone = `+233${local}`;
    await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'GH' });
    const s = hubtelSession(`233${local}`);
    const menu = await s.dial();
    expect(menu.status).toBe(200);
    expect(menu.body).toMatchObject({ Type: 'Response' });
    expect(menu.body.Message).toMatch(/^Molam ID\n1\. Reset PIN/);
    const askCode = await s.type('1');
    expect(askCode.body.Message).toMatch(/code/i);
    const retried = await s.retryLast('1');
    expect(retried.body).toEqual(askCode.body);
    const otp = await svc.lastOtpFor(phone);
    expect((await s.type(otp)).body.Message).toMatch(/PIN/);
    await s.type('4826');
    const done = await s.type('4826');
    expect(done.body.Type).toBe('Release');
    expect(done.body.Message).toMatch(/PIN/);
    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1`,
      [phone],
    );
    expect(rows).toEqual([{ status: 'completed' }]);
  });

  it('records a Release and answers missing fields with 400', async () => {
    const s = hubtelSession('233240000001');
    const released = await s.release();
    expect(released.status).toBe(200);
    const bad = await svc.post('/gateways/hubtel/ussd', { Type: 'Response', Message: '1' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_payload']);
  });
});

describe('Hubtel webhook token', () => {
  it('refuses a call without HUBTEL_WEBHOOK_TOKEN when one is set', async () => {
    const guarded = await startTestService({ env: { HUBTEL_WEBHOOK_TOKEN: 'hubtel-secret' } });
    try {
      const body = {
        Type: 'Initiation',
        Message: '*714#',
        Mobile: '233240000001',
        SessionId: 'h1',
        Sequence: 1,
        Operator: 'mtn',
      };
      expect((await guarded.post('/gateways/hubtel/ussd', body)).status).toBe(403);
      expect((await guarded.post('/gateways/hubtel/ussd?token=hubtel-secret', body)).status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });
});
