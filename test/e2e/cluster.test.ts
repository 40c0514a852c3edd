/**
 * Cluster mode (src/cluster.ts, the equivalent of `pm2 start dist/server.js -i max`):
 * two workers share port and Redis state, so one USSD dialog whose hops land
 * on different workers completes; SIGTERM drains both and exits 0.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix, type TestDatabase } from '../support/services.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

/** One request on its own TCP connection (no keep-alive agent), so the cluster can hand it to any worker. */
const freshRequest = (url: string, body?: URLSearchParams) =>
  new Promise<string>((resolve, reject) => {
    const req = request(
      url,
      {
        method: body ? 'POST' : 'GET',
        agent: false,
        headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += String(c);
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body?.toString());
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('cluster mode', () => {
  it('serves one dialog from two workers and drains both on SIGTERM', async () => {
    const t = await createTestDatabase('cluster');
    dbs.push(t);
    const db = createPostgresDatabase(t.url);
    await runMigrations(db);
    const phone = '+221776660001';
    await createUserQueries(db).upsertUser({ phone, language: 'en', country: 'SN' });
    await db.close();

    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        WEB_CONCURRENCY: '2',
        DATABASE_URL: t.url,
        REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('cluster'),
        BCRYPT_COST: '10',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      for (const until = Date.now() + 30_000; ;) {
        try {
          if ((await fetch(`${url}/health`)).ok) break;
        } catch {
          /* starting */
        }
        if (Date.now() > until) throw new Error('cluster did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
      const sessionId = randomUUID();
      // A new connection per hop, so the primary spreads hops over both workers (round robin).
      const hop = (text: string) =>
        freshRequest(
          `${url}/gateways/africastalking/ussd`,
          new URLSearchParams({ sessionId, serviceCode: '*384*1#', phoneNumber: phone, networkCode: '60801', text }),
        );
      expect(await hop('')).toMatch(/^CON Molam ID/);
      expect(await hop('1')).toMatch(/^CON [^]*code/i);
      expect(await hop('1*12')).toMatch(/^CON The code has 6 digits/);
      // Both workers answer (the second may still be starting when the first is ready).
      const pids = new Set<string>();
      for (const until = Date.now() + 20_000; pids.size < 2 && Date.now() < until;) {
        pids.add(String((JSON.parse(await freshRequest(`${url}/health`)) as { pid?: number }).pid));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(pids.size).toBe(2);
      // Now that both serve, a whole dialog spread over them still completes its steps.
      const second = randomUUID();
      const hop2 = (text: string) =>
        freshRequest(
          `${url}/gateways/africastalking/ussd`,
          new URLSearchParams({
            sessionId: second,
            serviceCode: '*384*1#',
            phoneNumber: phone,
            networkCode: '60801',
            text,
          }),
        );
      expect(await hop2('')).toMatch(/^CON [^]*1\. Continue/);
      expect(await hop2('1')).toMatch(/^CON [^]*code/i);
      expect(await hop2('1*12')).toMatch(/^CON The code has 6 digits/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
