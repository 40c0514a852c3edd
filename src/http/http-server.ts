/**
 * Starts the HTTP server and stops it gracefully: stop accepting, let
 * in-flight requests finish (bounded), then close pools. With METRICS_PORT,
 * a second small listener serves /metrics only; it lives and stops with the main one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Config } from '../config.js';

/** What the server needs of the application: its handlers, where /metrics listens, and how to close it. */
export interface ServedApp {
  koa: Koa;
  /** The /metrics-only app, when METRICS_PORT is set. */
  metricsKoa: Koa | undefined;
  config: Pick<Config, 'metrics'>;
  /** Takes the USSD hop webhooks ahead of koa (true: taken); everything else goes to koa. */
  ussdHopHandler: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  close(): Promise<void>;
}

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  /** The /metrics-only listener, when METRICS_PORT is set. */
  metrics: { server: http.Server; port: number; url: string } | undefined;
  /** Graceful stop: resolves once in-flight requests are answered and pools are closed. */
  stop(graceMs?: number): Promise<void>;
}

async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

const closed = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

async function startMetricsListener(app: ServedApp) {
  if (!app.metricsKoa || !app.config.metrics) return undefined;
  const server = http.createServer(app.metricsKoa.callback());
  const port = await listen(server, app.config.metrics.port, app.config.metrics.host);
  return { server, port, url: `http://127.0.0.1:${port}` };
}

export async function startHttpServer(app: ServedApp, port: number, host: string): Promise<RunningServer> {
  let stopping = false;
  const handle = app.koa.callback();
  const server = http.createServer((req, res) => {
    // Ask keep-alive clients to reconnect elsewhere once we are draining.
    if (stopping) res.setHeader('Connection', 'close');
    if (!app.ussdHopHandler(req, res)) void handle(req, res);
  });
  // Telco gateways keep connections alive; stay above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  const actualPort = await listen(server, port, host);
  let metrics: RunningServer['metrics'];
  try {
    metrics = await startMetricsListener(app);
  } catch (err) {
    await closed(server);
    throw err;
  }

  return {
    server,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    metrics,
    async stop(graceMs = 25_000) {
      stopping = true;
      const drained = closed(server);
      // Keep-alive connections become idle as their last answer leaves: close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await drained;
      clearInterval(sweep);
      clearTimeout(timer);
      // Scrapes keep working through the drain; the metrics listener goes last.
      if (metrics) {
        const metricsClosed = closed(metrics.server);
        metrics.server.closeAllConnections();
        await metricsClosed;
      }
      await app.close();
    },
  };
}
