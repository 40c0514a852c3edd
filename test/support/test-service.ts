/**
 * Starts the real service in-process on a random port, on a fresh Postgres
 * database and its own Redis prefix (or embedded, when asked), the way
 * npm start does, and gives tests a small JSON client.
 */
import { Writable } from 'node:stream';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type RunningServer } from '../../src/http/http-server.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './services.js';

export interface TestService {
  app: App;
  server: RunningServer;
  /** The environment the service was configured from (to start a second process on the same stores). */
  env: Record<string, string>;
  url: string;
  /** Every log line the service wrote, to prove no secret reaches a log. */
  logs: string[];
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  get(path: string): Promise<{ status: number; body: any; text: string }>;
  /** One Africa's Talking USSD hop, form-encoded as AT sends it; returns the raw CON/END text. */
  atHop(hop: {
    sessionId: string;
    phone: string;
    text: string;
    token?: string;
  }): Promise<{ status: number; text: string; contentType: string | null }>;
  /** The newest OTP sent to `to`, read from the dev outbox. */
  lastOtpFor(to: string): Promise<string>;
  stop(): Promise<void>;
}

export interface TestServiceOptions extends Omit<AppOptions, 'logger'> {
  embedded?: boolean;
  env?: Record<string, string>;
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const database: TestDatabase | undefined = options.embedded ? undefined : await createTestDatabase();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    BCRYPT_COST: '10', // production enforces >= 12; 10 keeps the suite quick
    ...(database ? { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix() } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await createApp(config, { ...options, logger: createLogger('debug', sink) });
  const server = await startHttpServer(app, 0, '127.0.0.1');

  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as any, headers: res.headers, text };
  }

  return {
    app,
    server,
    env,
    url: server.url,
    logs,
    post: (path, body, headers) => request('POST', path, body, headers),
    get: (path) => request('GET', path),
    async atHop({ sessionId, phone, text, token }) {
      const form = new URLSearchParams({
        sessionId,
        serviceCode: '*384*1#',
        phoneNumber: phone,
        networkCode: '60801',
        text,
      });
      const res = await fetch(
        `${server.url}/gateways/africastalking/ussd${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
        },
      );
      return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
    },
    async lastOtpFor(to) {
      await app.settle();
      const message = [...(app.outbox?.list() ?? [])].reverse().find((m) => m.to === to && /\b\d{6}\b/.test(m.body));
      const code = message?.body.match(/\b(\d{6})\b/)?.[1];
      if (!code) throw new Error(`no OTP was sent to ${to}`);
      return code;
    },
    async stop() {
      await server.stop(2000);
      await database?.drop();
    },
  };
}
