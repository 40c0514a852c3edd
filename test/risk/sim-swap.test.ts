/**
 * The CAMARA SIM-swap check against a local HTTP server playing the
 * operator's API: each failure mode must come out as 'unknown', never 'not_swapped'.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskMetrics } from '../../src/risk/risk-metrics.js';
import { createSimSwapChecker } from '../../src/risk/sim-swap.js';

type Reply = { status: number; body: string; delayMs?: number };
let reply: Reply = { status: 200, body: '{"swapped":false}' };
const seen: Array<{ path: string; auth: string | undefined; body: any }> = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({
      path: req.url ?? '',
      auth: req.headers.authorization,
      body: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
    });
    const { status, body, delayMs } = reply;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sim-swap/v0/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('SIM swap check (CAMARA)', () => {
  it('posts {phoneNumber, maxAge} to /check with the bearer token and maps {swapped}', async () => {
    const metrics = createRiskMetrics(new Registry());
    const checker = createSimSwapChecker({ url: base, maxAgeHours: 48, accessToken: async () => 'tok-123', metrics });
    reply = { status: 200, body: '{"swapped":true}' };
    expect(await checker.check('+221770000001')).toBe('swapped');
    reply = { status: 200, body: '{"swapped":false}' };
    expect(await checker.check('+221770000001', 24)).toBe('not_swapped');
    expect(seen.slice(-2)).toEqual([
      { path: '/sim-swap/v0/check', auth: 'Bearer tok-123', body: { phoneNumber: '+221770000001', maxAge: 48 } },
      { path: '/sim-swap/v0/check', auth: 'Bearer tok-123', body: { phoneNumber: '+221770000001', maxAge: 24 } },
    ]);
    expect((await metrics.simSwapChecks.get()).values.map((v) => [v.labels.result, v.value]).sort()).toEqual([
      ['not_swapped', 1],
      ['swapped', 1],
    ]);
  });

  it.each<[string, Reply]>([
    ['a server error', { status: 500, body: '{"code":"INTERNAL"}' }],
    ['maxAge beyond the operator limit (400 OUT_OF_RANGE)', { status: 400, body: '{"code":"OUT_OF_RANGE"}' }],
    ['a rate limit (429)', { status: 429, body: '{}' }],
    ['an answer without "swapped"', { status: 200, body: '{"latestSimChange":null}' }],
    ['an answer that is not JSON', { status: 200, body: '<html>gateway</html>' }],
    ['a timeout', { status: 200, body: '{"swapped":false}', delayMs: 500 }],
  ])('answers unknown, not safe, on %s', async (_name, r) => {
    reply = r;
    const checker = createSimSwapChecker({ url: base, timeoutMs: 200 });
    expect(await checker.check('+221770000001')).toBe('unknown');
  });

  it('answers unknown when the API cannot be reached, and keeps maxAge within 1..2400 hours', async () => {
    expect(await createSimSwapChecker({ url: 'http://127.0.0.1:1' }).check('+221770000001')).toBe('unknown');
    reply = { status: 200, body: '{"swapped":false}' };
    await createSimSwapChecker({ url: base }).check('+221770000001', 100_000);
    expect(seen.at(-1)!.body.maxAge).toBe(2400);
  });
});
