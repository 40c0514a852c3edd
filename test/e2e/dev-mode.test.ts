/**
 * The embedded dev mode, as `npm run dev` runs it: no DATABASE_URL, no
 * REDIS_URL — PGlite and the in-process store — with demo users seeded and
 * outbound messages listed at /dev/messages. Start-up output is checked on the
 * real entry point (src/server.ts) in a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpSpawnedServices, freePort, spawnService, waitForHealth } from '../support/spawned-service.js';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ embedded: true });
});
afterAll(async () => {
  await cleanUpSpawnedServices();
  await svc?.stop();
});

describe('embedded dev mode', () => {
  it('reports embedded stores as healthy', async () => {
    const r = await svc.get('/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'ok',
      mode: 'embedded',
      checks: { pglite: { status: 'up' }, store: { status: 'up' } },
    });
  });

  it('resets the demo user +221770000001 PIN with the code read from /dev/messages', async () => {
    const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: '+221770000001' });
    expect(start.status).toBe(202);
    await svc.app.settle();
    const messages = (await svc.get('/dev/messages')).body as Array<{
      to: string;
      channel: string;
      body: string;
      sentAt: string;
    }>;
    const sms = messages.at(-1)!;
    expect(Object.keys(sms).sort()).toEqual(['body', 'channel', 'sentAt', 'to']);
    expect(sms).toMatchObject({ to: '+221770000001', channel: 'sms' });
    expect(sms.body).toMatch(/^Molam ID: \d{6} est votre code/); // the demo user speaks French
    const otp = sms.body.match(/#(\d{6})$/)![1]!;
    const verify = await svc.post('/v1/reset/verify', { requestId: start.body.requestId, otp });
    const complete = await svc.post('/v1/reset/complete', { resetToken: verify.body.resetToken, newPin: '4826' });
    expect(complete.status).toBe(204);
  });

  it('writes to the English demo user in English', async () => {
    await svc.post('/v1/reset/start', { kind: 'password', identifier: '+254700000002' });
    await svc.app.settle();
    const messages = (await svc.get('/dev/messages')).body as Array<{ to: string; body: string }>;
    expect(messages.filter((m) => m.to === '+254700000002').at(-1)!.body).toMatch(/is your password reset code/);
  });

  it('lists messages oldest first', async () => {
    const messages = (await svc.get('/dev/messages')).body as Array<{ sentAt: string }>;
    const times = messages.map((m) => m.sentAt);
    expect([...times].sort()).toEqual(times);
  });
});

/** Starts src/server.ts embedded with `NODE_ENV`, waits until it answers, and stops it; returns its stdout. */
async function startUpOutput(nodeEnv: string): Promise<{ stdout: string; port: number }> {
  const port = await freePort();
  const server = spawnService({ NODE_ENV: nodeEnv, PORT: String(port) });
  await waitForHealth(`http://127.0.0.1:${port}`, server);
  await expect.poll(() => server.stdout(), { timeout: 5000 }).toMatch(/listening/);
  server.child.kill('SIGTERM');
  await server.exited;
  return { stdout: server.stdout(), port };
}

describe('issue 15 item 3: development start-up prints readable lines; JSON stays elsewhere', () => {
  it('npm run dev names the URL, the simulator, the demo users and the embedded parts, with no JSON line', async () => {
    const { stdout, port } = await startUpOutput('development');
    const url = `http://127.0.0.1:${port}`;
    expect(stdout).toContain(`Molam ID reset service (development) on ${url}`);
    expect(stdout).toContain(`${url}/simulator`);
    expect(stdout).toContain(`${url}/dev/messages`);
    expect(stdout).toMatch(/\+221770000001 \(fr, SN, awa\.ndiaye@example\.sn\)/);
    expect(stdout).toMatch(/\+254700000002 \(en, KE, no email\)/);
    expect(stdout).toMatch(/database +PGlite, embedded, in memory/);
    expect(stdout).toMatch(/store +in-process store instead of Redis/);
    expect(stdout).toMatch(/SMS +dev outbox/);
    expect(stdout).toMatch(/PORT, HOST +\d+, 127\.0\.0\.1/);
    expect(stdout).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: molam-id-password-reset listening/m);
    expect(stdout.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
  }, 60_000);

  it('outside development every stdout line is JSON and no banner is printed', async () => {
    const { stdout } = await startUpOutput('test');
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(stdout).not.toContain('/simulator');
  }, 60_000);
});
