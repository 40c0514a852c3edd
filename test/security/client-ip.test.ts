/**
 * Item 10: a client cannot choose the IP address its per-IP limits and audit
 * rows are keyed on. Services on the real PostgreSQL and Redis behind
 * TRUST_PROXY=0/1/2; X-Forwarded-For is written as a client and its proxies
 * would write it (nginx appends the address it saw to what the client sent).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';

const PER_IP = 3;
const spoofed = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

/** A password reset start for a fresh (unknown) email, so only the per-IP limit can refuse it. */
const start = (svc: TestService, xff: string) =>
  svc.post(
    '/v1/reset/start',
    { kind: 'password', identifier: `${randomUUID()}@example.sn` },
    { 'X-Forwarded-For': xff },
  );

async function auditRowsFor(svc: TestService, requestId: string) {
  await svc.app.settle();
  const { rows } = await svc.app.db.query<{ action: string; actor_ip: string | null }>(
    'SELECT action, host(actor_ip) AS actor_ip FROM molam_audit_log WHERE request_id = $1',
    [requestId],
  );
  return rows;
}

describe.each([
  // One proxy (nginx ingress): client-written entries, then the address nginx saw.
  { hops: '1', header: (forged: string, client: string) => `${forged}, ${client}` },
  // Cloud load balancer + ingress: the ingress appends the balancer's address last.
  { hops: '2', header: (forged: string, client: string) => `${forged}, ${client}, 10.0.0.2` },
])('item 10: TRUST_PROXY=$hops reads the client IP $hops hop(s) from the right', ({ hops, header }) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      env: { TRUST_PROXY: hops },
      limits: { startPerIp: { points: PER_IP, durationSeconds: 3600 } },
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('keeps the per-IP limit while the client rotates the left-most X-Forwarded-For entry', async () => {
    const client = '203.0.113.7';
    const statuses = [];
    for (let i = 0; i < PER_IP + 2; i += 1) statuses.push((await start(svc, header(spoofed(), client))).status);
    expect(statuses).toEqual([...Array(PER_IP).fill(202), 429, 429]);
    // Another client behind the same proxies keeps its own budget.
    expect((await start(svc, header(spoofed(), '203.0.113.8'))).status).toBe(202);
  });

  it('records the proxy-seen client address in the audit row', async () => {
    const r = await start(svc, header(spoofed(), '203.0.113.9'));
    expect(r.status).toBe(202);
    expect(await auditRowsFor(svc, r.body.requestId)).toEqual([
      expect.objectContaining({ action: 'reset.requested', actor_ip: '203.0.113.9' }),
    ]);
  });

  it('ignores an entry that is not an IP: a normal answer and an audit row with the socket address', async () => {
    const r = await svc.post(
      '/v1/reset/start',
      { kind: 'password', identifier: `${randomUUID()}@example.sn` },
      { 'X-Forwarded-For': 'not-an-ip' },
    );
    expect(r.status).toBe(202);
    expect(await auditRowsFor(svc, r.body.requestId)).toEqual([
      expect.objectContaining({ action: 'reset.requested', actor_ip: '127.0.0.1' }),
    ]);
    const verify = await svc.post(
      '/v1/reset/verify',
      { requestId: r.body.requestId, otp: '000000' },
      { 'X-Forwarded-For': 'not-an-ip, also-not' },
    );
    expect(verify.status).toBeLessThan(500);
    expect(svc.logs.join('')).not.toMatch(/deferred work failed|unhandled error/);
  });
});

describe('item 10: TRUST_PROXY unset (0 hops) ignores X-Forwarded-For entirely', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ limits: { startPerIp: { points: PER_IP, durationSeconds: 3600 } } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('limits by the socket address whatever the header says', async () => {
    const statuses = [];
    for (let i = 0; i < PER_IP + 1; i += 1) statuses.push((await start(svc, `${spoofed()}, ${spoofed()}`)).status);
    expect(statuses).toEqual([...Array(PER_IP).fill(202), 429]);
  });
});
