/**
 * Whole USSD sessions as Africa's Talking drives them (form POST, cumulative
 * `text`, CON/END text/plain replies) against a started service on the real
 * PostgreSQL and Redis. The OTP SMS is read from the dev outbox.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { AT_WEBHOOK_TOKEN: 'at-hook-secret' } });
});
afterAll(async () => {
  await svc?.stop();
});

async function newUser(language = 'fr') {
  const phone = `+22177${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await createUserQueries(svc.app.db).upsertUser({ phone, language, country: 'SN' });
  return phone;
}

/** A USSD session: each call types one more input, as a handset would. */
function session(phone: string) {
  const sessionId = `ATUid_${randomUUID()}`;
  const inputs: string[] = [];
  return {
    sessionId,
    async dial() {
      return svc.atHop({ sessionId, phone, text: '', token: 'at-hook-secret' });
    },
    async type(input: string) {
      inputs.push(input);
      return svc.atHop({ sessionId, phone, text: inputs.join('*'), token: 'at-hook-secret' });
    },
    /** Sends the current path again, as a telco retry does. */
    async retry() {
      return svc.atHop({ sessionId, phone, text: inputs.join('*'), token: 'at-hook-secret' });
    },
  };
}

const requestsOf = async (phone: string) =>
  (
    await svc.app.db.query<{ status: string }>(
      `SELECT r.status FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1 ORDER BY r.created_at`,
      [phone],
    )
  ).rows;

describe("Africa's Talking USSD dialog", () => {
  it('resets a PIN end to end in French: menu, code by SMS, new PIN twice, confirmation', async () => {
    const phone = await newUser('fr');
    const s = session(phone);
    const menu = await s.dial();
    expect(menu.status).toBe(200);
    expect(menu.contentType).toMatch(/^text\/plain/);
    expect(menu.text).toMatch(/^CON Molam ID\n1\. /);
    expect((await s.type('1')).text).toMatch(/^CON .*code/i);
    const otp = await svc.lastOtpFor(phone);
    expect((await s.type(otp)).text).toMatch(/^CON .*PIN/);
    expect((await s.type('4826')).text).toMatch(/^CON /);
    const done = await s.type('4826');
    expect(done.text).toMatch(/^END .*PIN/);
    expect(await requestsOf(phone)).toEqual([{ status: 'completed' }]);
    await svc.app.settle();
    expect(
      svc.app
        .outbox!.list()
        .filter((m) => m.to === phone)
        .at(-1)!.body,
    ).toMatch(/PIN a ete change/);
  });

  it('answers a retried hop with the same reply and changes nothing', async () => {
    const phone = await newUser('en');
    const s = session(phone);
    await s.dial();
    const first = await s.type('1');
    const again = await s.retry();
    expect(again.text).toBe(first.text);
    expect(await requestsOf(phone)).toHaveLength(1);
    expect(svc.app.outbox!.list().filter((m) => m.to === phone)).toHaveLength(1);
  });

  it('resumes a dropped session on the next dial: 1 continues where the user was', async () => {
    const phone = await newUser('en');
    const s1 = session(phone);
    await s1.dial();
    await s1.type('1');
    const otp = await svc.lastOtpFor(phone);
    // The network dropped the session; the SMS arrives; the user dials again.
    const s2 = session(phone);
    const resume = await s2.dial();
    expect(resume.text).toMatch(/^CON [^]*\n1\. [^]*\n2\. /);
    expect((await s2.type('1')).text).toMatch(/^CON .*code/i);
    expect((await s2.type(otp)).text).toMatch(/^CON .*PIN/);
  });

  it('starts over on the next dial when the user picks 2, cancelling the old request', async () => {
    const phone = await newUser('en');
    const s1 = session(phone);
    await s1.dial();
    await s1.type('1');
    const s2 = session(phone);
    await s2.dial();
    expect((await s2.type('2')).text).toMatch(/^CON Molam ID\n1\. /);
    expect(await requestsOf(phone)).toEqual([{ status: 'cancelled' }]);
  });

  it('locks the request after five wrong codes and ends the session saying why', async () => {
    const phone = await newUser('en');
    const s = session(phone);
    await s.dial();
    await s.type('1');
    const otp = await svc.lastOtpFor(phone);
    const wrong = otp === '000000' ? '111111' : '000000';
    const replies = [];
    for (let i = 0; i < 5; i += 1) replies.push((await s.type(wrong)).text);
    expect(replies.slice(0, 4).every((t) => t.startsWith('CON '))).toBe(true);
    expect(replies[3]).toMatch(/1/);
    expect(replies[4]).toMatch(/^END .*blocked for 60 min/);
    expect(await requestsOf(phone)).toEqual([{ status: 'locked' }]);
  });

  it('re-asks with a reason on garbage, wrong-language and oversize-looking input, never crashing', async () => {
    const phone = await newUser('fr');
    const s = session(phone);
    await s.dial();
    for (const garbage of ['oui', 'yes', '9', '#', '1#2', ' ', '١']) {
      const r = await s.type(garbage);
      expect(r.status).toBe(200);
      expect(r.text).toMatch(/^CON .*\n.*1\. /s);
      expect(r.text.length).toBeLessThanOrEqual(186);
    }
  });

  it('refuses a number without an account with a clear END screen', async () => {
    const s = session('+221779999990');
    await s.dial();
    const r = await s.type('1');
    expect(r.text).toMatch(/^END /);
  });

  it('issue 15 item 6: answers a hop on a session that already got its END with END "session closed", not a new dialog', async () => {
    const phone = await newUser('en');
    const s = session(phone);
    await s.dial();
    await s.type('1');
    await s.type(await svc.lastOtpFor(phone));
    await s.type('4826');
    expect((await s.type('4826')).text).toMatch(/^END .*PIN/);
    const late = await s.type('1');
    expect(late.text).toBe('END Molam ID\nThis session has ended. Please dial again to start over.');
    expect(await requestsOf(phone)).toEqual([{ status: 'completed' }]);
    // A new session is a new dial: the menu.
    expect((await session(phone).dial()).text).toMatch(/^CON Molam ID\n1\. /);
  });

  it('treats an unknown sessionId with a path as a new session (menu or resume), not as input', async () => {
    const phone = await newUser('en');
    const r = await svc.atHop({ sessionId: `ATUid_${randomUUID()}`, phone, text: '1*2*3', token: 'at-hook-secret' });
    expect(r.text).toMatch(/^CON Molam ID\n1\. /);
    expect(await requestsOf(phone)).toHaveLength(0);
  });

  it('shows the resend cooldown instead of sending a second code at once', async () => {
    const phone = await newUser('en');
    const s = session(phone);
    await s.dial();
    await s.type('1');
    const resend = await s.type('1');
    expect(resend.text).toMatch(/^CON [^]*\d+ s/);
    await svc.app.settle();
    expect(svc.app.outbox!.list().filter((m) => m.to === phone)).toHaveLength(1);
  });

  it('refuses a fourth reset within 30 days with an END screen that says why', async () => {
    const phone = await newUser('en');
    await svc.app.db.query(
      `INSERT INTO molam_reset_requests (user_id, subject_digest, kind, channel, otp_hash, otp_expires_at, status, completed_at)
       SELECT id, 'd', 'ussd_pin', 'ussd', 'h', now(), 'completed', now() - interval '1 day' FROM molam_users, generate_series(1, 3) WHERE phone_e164 = $1`,
      [phone],
    );
    const s = session(phone);
    await s.dial();
    const r = await s.type('1');
    expect(r.text).toMatch(/^END /);
    expect(r.text).toMatch(/30|month|agent|shop/i);
  });

  it('refuses a wrong or missing webhook token with 403 and a metric', async () => {
    const phone = await newUser();
    const wrong = await svc.atHop({ sessionId: 'x1', phone, text: '', token: 'nope' });
    const missing = await svc.atHop({ sessionId: 'x2', phone, text: '' });
    expect([wrong.status, missing.status]).toEqual([403, 403]);
    const { text } = await svc.get('/metrics');
    expect(text).toMatch(/molam_id_webhook_auth_failures_total\{provider="africastalking"\} 2/);
  });

  it('answers malformed payloads with a 4xx and a stable code', async () => {
    const post = (body: string) =>
      fetch(`${svc.url}/gateways/africastalking/ussd?token=at-hook-secret`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const missing = await post('serviceCode=*384%23&text=');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
    const huge = await post(`sessionId=s&phoneNumber=%2B221770000001&text=${'1'.repeat(5000)}`);
    expect(huge.status).toBe(413);
    const badPhone = await post('sessionId=s&phoneNumber=hello&text=');
    expect(badPhone.status).toBe(400);
  });

  it('records end-of-session notifications in audit and metrics', async () => {
    const body = new URLSearchParams({
      sessionId: 'ATUid_end',
      serviceCode: '*384*1#',
      networkCode: '60801',
      phoneNumber: '+221770000001',
      status: 'Incomplete',
      durationInMillis: '41000',
      hopsCount: '3',
      input: '1*123456',
      lastAppResponse: 'CON ...',
      cost: 'XOF 5',
      date: '2026-11-25 10:00:00',
    });
    const r = await fetch(`${svc.url}/gateways/africastalking/ussd/events?token=at-hook-secret`, {
      method: 'POST',
      body,
    });
    expect(r.status).toBe(204);
    const { text } = await svc.get('/metrics');
    expect(text).toMatch(/molam_id_ussd_sessions_total\{provider="africastalking",status="incomplete"\} 1/);
    const audit = await svc.app.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM molam_audit_log WHERE action = 'ussd.session_ended'`,
    );
    expect(JSON.stringify(audit.rows)).not.toContain('123456');
  });
});
