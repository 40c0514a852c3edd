/**
 * Items 11 and 12: the service started the way `npm start` starts it
 * (node on src/server.ts, the entry point of dist/server.js) with NO NODE_ENV
 * is a production service: it refuses the missing or public development
 * secrets, and with real ones on the real PostgreSQL and Redis it serves no
 * development surface. Development, asked for, listens on loopback only.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SHARED_BACKENDS, spawnWithSecrets, startPasswordReset } from '../support/production-service.js';
import {
  cleanUpSpawnedServices,
  freePort,
  freshBackends,
  spawnService,
  untilSigterm,
  waitForHealth,
} from '../support/spawned-service.js';

afterAll(cleanUpSpawnedServices);

/** Whether something accepts a TCP connection on host:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

/** This machine's non-loopback IPv4 addresses (the LAN side a neighbour would use). */
const lanAddresses = () =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);

describe('item 11: no NODE_ENV means production', () => {
  it('refuses to start without PEPPER, exit 1, naming it', async () => {
    const run = spawnWithSecrets({ ...SHARED_BACKENDS, PEPPER: '' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('PEPPER is required in production');
  });

  it('refuses the public development pepper and JWT secret', async () => {
    const dev = loadConfig({ NODE_ENV: 'development' });
    const run = spawnWithSecrets({
      ...SHARED_BACKENDS,
      PEPPER: dev.pepper,
      JWT_RESET_SECRET: dev.jwtResetSecrets.join(','),
    });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('PEPPER must not be the development default');
    expect(run.stderr()).toContain('JWT_RESET_SECRET must not contain the development default');
  });

  it('with every secret serves the API but no /dev route, no simulator, no unauthenticated webhook; listens on every interface', async () => {
    const { port, url, env } = await freshBackends('defaults');
    const run = spawnWithSecrets({ ...env, LOG_LEVEL: 'info' });
    expect(
      await untilSigterm(run, async () => {
        expect((await waitForHealth(url, run)).status).toBe(200);
        expect(run.stdout()).toMatch(/"host":"0\.0\.0\.0".*"env":"production".*listening/);
        for (const address of lanAddresses())
          expect(await accepts(address, port), `reachable on ${address}`).toBe(true);
        for (const path of ['/dev/messages', '/simulator', '/simulator/simulator.js'])
          expect((await fetch(`${url}${path}`)).status).toBe(404);
        const hubtel = await fetch(`${url}/gateways/hubtel/ussd`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            Type: 'Initiation',
            Message: '*714#',
            Mobile: '233240000001',
            SessionId: 'attack',
            Sequence: 1,
          }),
        });
        expect(hubtel.status).toBe(404);
        const at = await fetch(`${url}/gateways/africastalking/ussd`, {
          method: 'POST',
          body: new URLSearchParams({ sessionId: 's', phoneNumber: '+221770000001', text: '' }),
        });
        expect(at.status).toBe(403);
        expect((await startPasswordReset(url)).status).toBe(202);
      }),
    ).toBe(0);
  });
});

describe('item 12: development listens on loopback only', () => {
  it('binds 127.0.0.1 when NODE_ENV=development and HOST is unset: /dev/messages is not reachable from the LAN', async () => {
    const port = await freePort();
    const run = spawnService({ NODE_ENV: 'development', PORT: String(port), LOG_LEVEL: 'info' });
    expect(
      await untilSigterm(run, async () => {
        const health = await waitForHealth(`http://127.0.0.1:${port}`, run, 30_000);
        expect(health.status).toBe(200);
        // Development logs are readable lines (issue 15): the message first, then its fields.
        expect(run.stdout()).toMatch(/listening \{"host":"127\.0\.0\.1".*"env":"development"/);
        expect((await fetch(`http://127.0.0.1:${port}/dev/messages`)).status).toBe(200);
        for (const address of lanAddresses())
          expect(await accepts(address, port), `reachable on ${address}`).toBe(false);
      }),
    ).toBe(0);
  }, 40_000);
});
