/**
 * The composition root's event and risk wiring, end to end: with
 * AMQP_ENABLED and SIRA_ENABLED the started service (real PostgreSQL, Redis
 * and RabbitMQ) publishes a completed reset to the exchange and posts signed
 * risk signals to a local SIRA stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URL, bindTestQueue, waitFor } from '../events/outbox-fixtures.js';
import { startSiraReceiver, type SiraReceiver } from '../risk/sira-receiver.js';
import { completePinResetOverHttp } from '../support/http-reset.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { seedUser } from '../support/users.js';

const SIRA_SECRET = 's'.repeat(40);
let sira: SiraReceiver;
let svc: TestService;

beforeAll(async () => {
  sira = await startSiraReceiver(SIRA_SECRET);
  svc = await startTestService({
    env: {
      AMQP_ENABLED: 'true',
      AMQP_URL,
      SIRA_ENABLED: 'true',
      SIRA_WEBHOOK_URL: sira.url,
      SIRA_SIGNING_SECRET: SIRA_SECRET,
    },
  });
});
afterAll(async () => {
  await svc?.stop();
  await sira?.close();
});

describe('events and risk signals from the running service', () => {
  it('publishes id.ussd.pin.reset.completed to molam.id.events once a PIN reset completes', async () => {
    const queue = await bindTestQueue('id.ussd.pin.reset.completed');
    try {
      const { user } = await completePinResetOverHttp(svc);
      let events: Array<{ routingKey: string; body: Record<string, unknown> }> = [];
      await waitFor(async () => (events = await queue.drain()).length > 0, 30_000); // another suite may be restarting the broker: the relay retries
      expect(events).toHaveLength(1);
      expect(events[0]!.routingKey).toBe('id.ussd.pin.reset.completed');
      expect(events[0]!.body).toMatchObject({
        type: 'id.ussd.pin.reset.completed',
        subject: user.id,
        data: { kind: 'ussd_pin', channel: 'sms', country: 'SN' },
      });
      expect(JSON.stringify(events[0]!.body)).not.toContain(user.phone.slice(4));
    } finally {
      await queue.delete();
    }
  });

  it('posts a signed suspicious_reset_pattern signal when the owner answers NOT ME', async () => {
    const { phone } = await seedUser(svc.app.db);
    await svc.post('/v1/reset/start', { kind: 'password', identifier: phone });
    await svc.app.settle(); // the request row is written after the answer
    const r = await fetch(`${svc.url}/gateways/africastalking/sms/inbound`, {
      method: 'POST',
      body: new URLSearchParams({ from: phone, to: '20880', text: 'STOP', date: '2026-11-25 10:00:00', id: 'x1' }),
    });
    expect(r.status).toBe(200);
    await waitFor(async () => sira.signals.some((s) => s.signal === 'suspicious_reset_pattern'), 10_000);
    expect(sira.requests.every((q) => q.valid)).toBe(true);
  });
});
