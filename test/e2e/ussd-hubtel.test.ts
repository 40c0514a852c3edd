/**
 * A whole Hubtel-style JSON USSD session (latest input only in Message,
 * Initiation/Response/Release) against a started service on the real
 * PostgreSQL and Redis.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { hubtelSession } from '../support/ussd-sessions.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('Hubtel USSD dialog', () => {
  it('resets a PIN in English (Ghana) with Response/Release replies', async () => {
    const local = `24${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    const phone = `+233${local}`;
    await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'GH' });
    const s = hubtelSession(svc, `233${local}`);
    const menu = await s.dial();
    expect(menu.status).toBe(200);
    expect(menu).toMatchObject({ Type: 'Response' });
    expect(menu.Message).toMatch(/^Molam ID\n1\. Reset PIN/);
    const askCode = await s.type('1');
    expect(askCode.Message).toMatch(/code/i);
    // Hubtel retries with the same Sequence (2: the dial was 1): the stored reply comes back.
    expect(await s.at(2, '1')).toEqual(askCode);
    const otp = await svc.lastOtpFor(phone);
    expect((await s.type(otp)).Message).toMatch(/PIN/);
    await s.type('4826');
    const done = await s.type('4826');
    expect(done.Type).toBe('Release');
    expect(done.Message).toMatch(/PIN/);
    const { rows } = await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1`,
      [phone],
    );
    expect(rows).toEqual([{ status: 'completed' }]);
  });

  it('records a Release and answers missing fields with 400', async () => {
    const s = hubtelSession(svc, '233240000001');
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
