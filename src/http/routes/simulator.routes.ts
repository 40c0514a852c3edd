/**
 * GET /simulator: a feature phone and an SMS inbox in the browser (src/simulator/).
 * The page drives the real Africa's Talking webhook and polls /dev/messages, so
 * it is mounted only beside the dev outbox, never in production.
 */
import { readFile } from 'node:fs/promises';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { DevOutbox } from '../../../gateways/dev-outbox.js';
import { AppError } from '../../errors.js';

const FILES = {
  page: { name: 'index.html', type: 'text/html; charset=utf-8' },
  style: { name: 'simulator.css', type: 'text/css; charset=utf-8' },
  script: { name: 'simulator.js', type: 'text/javascript; charset=utf-8' },
  labels: { name: 'labels.js', type: 'text/javascript; charset=utf-8' },
  icon: { name: 'favicon.svg', type: 'image/svg+xml' },
} as const;

// src/simulator/ seen from this file under tsx, and from dist/server.js once bundled.
const DIRS = [new URL('../../simulator/', import.meta.url), new URL('../src/simulator/', import.meta.url)];

// Same-origin only, no inline code: service text can never become markup or script.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function readAsset(name: string): Promise<string> {
  for (const dir of DIRS) {
    try {
      return await readFile(new URL(name, dir), 'utf8');
    } catch {
      /* try the next location */
    }
  }
  throw new AppError('not_found', 'The simulator page is not shipped with this build');
}

/**
 * Mounts the simulator. It takes the dev outbox so it can only be wired where
 * one exists (`if (outbox) ...`): no outbox, no /dev/messages, no simulator.
 */
export function simulatorRoutes(router: Router, _deps: { outbox: DevOutbox }) {
  const serve = (file: (typeof FILES)[keyof typeof FILES]) => async (ctx: Context) => {
    // Read per request: a developer editing the page sees the change on reload.
    const body = await readAsset(file.name);
    ctx.set({
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
    ctx.type = file.type;
    ctx.body = body;
  };
  router.get('/simulator', serve(FILES.page));
  router.get('/simulator/simulator.css', serve(FILES.style));
  router.get('/simulator/simulator.js', serve(FILES.script));
  router.get('/simulator/labels.js', serve(FILES.labels));
  router.get('/simulator/favicon.svg', serve(FILES.icon));
}
