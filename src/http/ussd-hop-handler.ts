/**
 * The USSD hop webhooks answered in front of koa. A telco's traffic peak
 * lands on the hop, and koa's context, the router's matching and the general
 * body parser cost about a third of a hop's CPU (issue 12, step 3). This
 * takes only the plain case, a POST to a mounted hop path with a JSON or form
 * body, and answers as the koa route does: the same hop answer (token check,
 * descriptor, runtime), the same body limit, the same error JSON and request
 * metrics. Anything else (another method, another body type, a path spelled
 * differently) goes on to koa.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { errorResponse } from './error-middleware.js';
import type { UssdHopAnswerer } from './routes/ussd.routes.js';
import type { MountedUssdGateway } from './webhook-auth.js';

type BodyKind = 'json' | 'form';

/** The body types koa's parser reads for these routes; undefined leaves the request to koa (415 and the rest). */
function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json')))
    return 'json';
  return undefined;
}

const tooLarge = () => new AppError('payload_too_large', 'Request body is too large');

function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  if (Number(req.headers['content-length']) > limitBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    req.on('end', () => (size > limitBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** As koa's parser: a form is a flat record (repeated keys become arrays), JSON must be an object or an array. */
function parseBody(kind: BodyKind, text: string): unknown {
  if (kind === 'form') return parseQuery(text);
  if (text.trim() === '') return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new AppError('invalid_request', 'Malformed request body');
  return value;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  payload: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

export interface UssdHopHandlerDeps {
  gateways: readonly MountedUssdGateway[];
  answer: UssdHopAnswerer;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
}

/** Returns true when it took the request (and will answer it), false to leave it to koa. */
export function createUssdHopHandler({ gateways, answer, metrics, logger, bodyLimitBytes }: UssdHopHandlerDeps) {
  const byPath = new Map(gateways.map((mounted) => [mounted.gateway.path, mounted]));

  async function serve(
    mounted: MountedUssdGateway,
    kind: BodyKind,
    search: string,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const route = mounted.gateway.path;
    const end = metrics.requestDuration.startTimer();
    let status = 200;
    try {
      const body = parseBody(kind, await readBody(req, bodyLimitBytes));
      const reply = await answer(mounted, body, parseQuery(search));
      send(
        res,
        200,
        `${reply.contentType}; charset=utf-8`,
        typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body),
      );
    } catch (err) {
      const answered = errorResponse(err, logger, route);
      status = answered.status;
      send(res, status, 'application/json; charset=utf-8', JSON.stringify(answered.body), answered.headers);
    } finally {
      end({ method: 'POST', route, status: String(status) });
    }
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || req.url === undefined) return false;
    const q = req.url.indexOf('?');
    const mounted = byPath.get(q === -1 ? req.url : req.url.slice(0, q));
    const kind = mounted && bodyKind(req.headers['content-type']);
    if (!mounted || !kind) return false;
    serve(mounted, kind, q === -1 ? '' : req.url.slice(q + 1), req, res).catch((err: unknown) => {
      // Only writing the answer can fail here (the client left): nothing more to say to it.
      logger.warn({ err: (err as Error).message, route: mounted.gateway.path }, 'ussd hop answer not written');
      res.destroy();
    });
    return true;
  };
}

export type UssdHopHandler = ReturnType<typeof createUssdHopHandler>;
