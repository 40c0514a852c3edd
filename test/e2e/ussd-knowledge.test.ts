/**
 * The country knowledge check before a USSD reset (USSD_KNOWLEDGE_CHECK=SN:birth_year),
 * end to end on the real PostgreSQL and Redis: asked only when an answer is on
 * file, three wrong answers lock the dialog, every answer is audited.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ env: { USSD_KNOWLEDGE_CHECK: 'SN:birth_year' } });
});
afterAll(async () => {
  await svc?.stop();
});

async function userBornIn(year: number | null) {
  const phone = `+22178${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  await svc.app.db.query(
    `INSERT INTO molam_users (phone_e164, language, country, birth_year) VALUES ($1, 'en', 'SN', $2)`,
    [phone, year],
  );
  return { phone, ...sessionFor(phone) };
}

/** A new USSD session of a phone: each type() adds one input to the cumulative path. */
function sessionFor(phone: string) {
  const sessionId = randomUUID();
  const path: string[] = [];
  return {
    type: async (input?: string) => {
      if (input !== undefined) path.push(input);
      return (await svc.atHop({ sessionId, phone, text: path.join('*') })).text;
    },
  };
}

describe('USSD knowledge check', () => {
  it('asks the year of birth before sending a code, and sends it after the right answer', async () => {
    const u = await userBornIn(1990);
    await u.type();
    expect(await u.type('1')).toMatch(/^CON [^]*year of birth/);
    expect(await u.type('1991')).toMatch(/^CON Wrong answer/);
    expect(await u.type('1990')).toMatch(/^CON [^]*code/i);
    expect(await svc.lastOtpFor(u.phone)).toMatch(/^\d{6}$/);
  });

  it('locks after three wrong answers and records each one', async () => {
    const u = await userBornIn(1985);
    await u.type();
    await u.type('1');
    await u.type('1980');
    await u.type('1981');
    expect(await u.type('1982')).toMatch(/^END /);
    const { rows } = await svc.app.db.query<{ outcome: string }>(
      `SELECT outcome FROM molam_audit_log WHERE action = 'reset.knowledge_checked' AND subject LIKE '+221%' ORDER BY id DESC LIMIT 3`,
    );
    expect(rows.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed']);
  });

  it('refuses even the right answer on a new dial once three wrong answers were given this week', async () => {
    const u = await userBornIn(1970);
    await u.type();
    await u.type('1');
    for (const wrong of ['1971', '1972', '1973']) await u.type(wrong);
    const again = sessionFor(u.phone);
    await again.type();
    await again.type('1');
    expect(await again.type('1970')).toMatch(/^CON Wrong answer/);
  });

  it('does not ask when no answer is on file', async () => {
    const u = await userBornIn(null);
    await u.type();
    expect(await u.type('1')).toMatch(/^CON [^]*code/i);
  });
});
