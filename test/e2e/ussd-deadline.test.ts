/**
 * The hop answer does not wait for the SMS: with a provider that hangs, the
 * USSD reply still leaves (the code is sent after the answer). Real
 * PostgreSQL and Redis; the sender is a stand-in that holds every send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSender, OutboundMessage } from '../../gateways/message-sender.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';

let release: () => void = () => {};
const held = new Promise<void>((resolve) => {
  release = resolve;
});
const attempted: OutboundMessage[] = [];
const hangingSender: MessageSender = {
  name: 'hanging',
  async send(message) {
    attempted.push(message);
    await held;
    return { provider: 'hanging' };
  },
};

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ sender: hangingSender, env: { USSD_HOP_DEADLINE_MS: '1000' } });
});
afterAll(async () => {
  release();
  await svc?.stop();
});

describe('hop deadline', () => {
  it('answers the hop that sends a code while the SMS provider is still hanging', async () => {
    const phone = '+221775550101';
    await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
    await svc.atHop({ sessionId: 'slow-1', phone, text: '' });
    const reply = await svc.atHop({ sessionId: 'slow-1', phone, text: '1' });
    expect(reply.text).toMatch(/^CON [^]*code/i);
    // The send had started and is still held: the answer did not wait for it.
    expect(attempted.map((m) => m.to)).toEqual([phone]);
    let sendFinished = false;
    void svc.app.settle().then(() => {
      sendFinished = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(sendFinished).toBe(false);
    release();
    await svc.app.settle();
    const sent = await svc.app.db.query(`SELECT 1 FROM molam_audit_log WHERE action = 'reset.code_sent'`);
    expect(sent.rows).toHaveLength(1);
  });
});
