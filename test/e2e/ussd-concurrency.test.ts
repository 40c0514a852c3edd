/**
 * Twenty copies of one hop, sent at once to two server processes sharing the
 * real PostgreSQL and Redis: exactly one transition happens (one reset
 * request, one code) and every copy gets the same answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPhone } from '../../src/logger.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
let second: ChildProcess;
let secondUrl: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  svc = await startTestService();
  const port = await freePort();
  secondUrl = `http://127.0.0.1:${port}`;
  second = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', ...svc.env, PORT: String(port), LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' },
    stdio: 'ignore',
  });
  for (const until = Date.now() + 20_000; ;) {
    try {
      if ((await fetch(`${secondUrl}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error('second process did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  second?.kill('SIGTERM');
  await svc?.stop();
});

const hop = (base: string, sessionId: string, phone: string, text: string) =>
  fetch(`${base}/gateways/africastalking/ussd`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ sessionId, serviceCode: '*384*1#', phoneNumber: phone, networkCode: '60801', text }),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));

describe('concurrent duplicate hops across two processes', () => {
  it('runs one transition for twenty copies of the same hop', async () => {
    const phone = '+221776543210';
    await createUserQueries(svc.app.db).upsertUser({ phone, language: 'en', country: 'SN' });
    const sessionId = `ATUid_${randomUUID()}`;
    expect((await hop(svc.url, sessionId, phone, '')).text).toMatch(/^CON Molam ID/);

    const copies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => hop(i % 2 ? secondUrl : svc.url, sessionId, phone, '1')),
    );
    expect(copies.map((c) => c.status)).toEqual(Array(20).fill(200));
    expect(new Set(copies.map((c) => c.text)).size).toBe(1);
    expect(copies[0]!.text).toMatch(/^CON .*code/i);

    const { rows } = await svc.app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM molam_reset_requests r JOIN molam_users u ON u.id = r.user_id WHERE u.phone_e164 = $1`,
      [phone],
    );
    expect(rows[0]!.n).toBe(1);
    const sent = await svc.app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM molam_audit_log WHERE action = 'reset.requested' AND subject = $1`,
      [maskPhone(phone)],
    );
    expect(sent.rows[0]!.n).toBe(1);
  });
});
