/**
 * The service exactly as src/server.ts builds it (loadConfig, createApp with
 * no options, startHttpServer; NODE_ENV=production, codes sent by its real
 * Africa's Talking sender to the bench's loopback fake AT API), plus what
 * production has no endpoint for: perf_hooks.monitorEventLoopDelay, read
 * and reset through a side port (BENCH_SIDE_PORT): GET /eld, GET /eld/reset.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startHttpServer } from '../src/http/http-server.js';

const config = loadConfig(process.env);
const app = await createApp(config);
const running = await startHttpServer(app, config.port, config.host);

// The histogram records whole timer intervals: subtract the resolution to get the delay.
const RESOLUTION_MS = 10;
const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
eld.enable();
const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);

http
  .createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://side');
    let body: unknown = {};
    if (url.pathname === '/eld')
      body = { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max), count: eld.count };
    else if (url.pathname === '/eld/reset') eld.reset();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  })
  .listen(Number(process.env.BENCH_SIDE_PORT), '127.0.0.1');

process.on(
  'SIGTERM',
  () =>
    void running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    ),
);
