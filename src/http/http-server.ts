/**
 * Starts the HTTP server and stops it gracefully: stop accepting, let
 * in-flight requests finish (bounded), then close pools.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../app.js';

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  /** Graceful stop: resolves once in-flight requests are answered and pools are closed. */
  stop(graceMs?: number): Promise<void>;
}

export async function startHttpServer(app: App, port: number, host: string): Promise<RunningServer> {
  let stopping = false;
  const handle = app.koa.callback();
  const server = http.createServer((req, res) => {
    // Ask keep-alive clients to reconnect elsewhere once we are draining.
    if (stopping) res.setHeader('Connection', 'close');
    void handle(req, res);
  });
  // Telco gateways keep connections alive; stay above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;

  return {
    server,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    async stop(graceMs = 25_000) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle as their last answer leaves: close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      await app.close();
    },
  };
}
