/** Bench plumbing: child servers, load generators, statistics. Loopback only. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const HOP_PATH = '/gateways/africastalking/ussd';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface Child {
  name: string;
  url: string;
  pid: number;
  startupMs: number;
  stop(): Promise<void>;
}

/** Spawns a server and times spawn → first 200 on /health (polled every 5 ms). */
export async function startServer(
  name: string,
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<Child> {
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  // Only what we set (plus PATH/HOME): nothing from the caller's shell leaks into the servers' config.
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-2000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited = false;
  proc.on('exit', () => {
    exited = true;
  });
  while (!(await ok(`${url}/health`))) {
    if (exited || performance.now() - t0 > 30_000) {
      proc.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${tail}`);
    }
    await sleep(5);
  }
  const startupMs = performance.now() - t0;
  return {
    name,
    url,
    pid: proc.pid!,
    startupMs,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (!exited) proc.kill('SIGKILL');
    },
  };
}

const ok = (url: string) =>
  new Promise<boolean>((resolve) => {
    http
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });

export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** CPU seconds (user + system) a process has used: /proc/<pid>/stat fields 14 and 15. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

/** One Africa's Talking USSD callback body. */
export const atForm = (sessionId: string, phone: string, text: string) =>
  new URLSearchParams({ sessionId, serviceCode: '*555#', phoneNumber: phone, networkCode: '60801', text }).toString();

/** Senegal mobile numbers +22177nnnnnnn; the bench inserts users for 0..N. */
export const phone = (n: number) => `+22177${String(n).padStart(7, '0')}`;

/**
 * Hands out `size` phones from `from` on: each dial of a scenario is a new
 * dialog for a phone that has none (ranges are disjoint). Past `size` it
 * wraps around rather than fail a load mid-run (then dials resume dialogs).
 */
export function phonePool(from: number, size: number) {
  let i = 0;
  return () => phone(from + (i++ % size));
}

export interface LoadResult {
  rps: number;
  total: number;
  bad: number;
  p50: number;
  p95: number;
  p99: number;
  lat: number[];
}

/** Dials (text '') on a fresh session each, for the phones nextPhone hands out. */
export function dials(nextPhone: () => string): () => string {
  let sid = 0;
  const tag = Math.random().toString(36).slice(2, 8);
  return () => atForm(`ATUid_${tag}_${sid++}`, nextPhone(), '');
}

/** Closed-loop max load with autocannon: each request's body from nextBody (by default a dial on a fresh session). */
export function maxLoad(
  url: string,
  path: string,
  nextBody: () => string,
  o: { connections: number; seconds: number; amount?: number },
): Promise<LoadResult> {
  const lat: number[] = [];
  let bad = 0;
  const t0 = performance.now();
  let lastAt = t0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        connections: o.connections,
        duration: o.seconds,
        ...(o.amount ? { amount: o.amount } : {}),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            setupRequest: (req) => ({ ...req, body: nextBody() }),
            onResponse: (status, body) => {
              if (status !== 200 || !body.startsWith('CON ')) bad++;
            },
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err);
        clearTimeout(guard);
        // With `amount` autocannon ends on its 1 s tick: time the run to its last answer ourselves.
        const seconds = o.amount ? (lastAt - t0) / 1000 : r.duration;
        resolve({
          rps: r.requests.total / seconds,
          total: r.requests.total,
          bad: bad + r.errors + r.timeouts,
          ...pcts(lat),
          lat,
        });
      },
    );
    inst.on('response', (_c, _s, _b, ms) => {
      lat.push(ms);
      lastAt = performance.now();
    });
    // `amount` makes autocannon ignore `duration`: bound the time ourselves.
    const guard = setTimeout(() => inst.stop(), (o.amount ? o.seconds : o.seconds + 2) * 1000);
  });
}

/**
 * Open-loop load at a fixed rate (like wrk2): a request is sent on schedule
 * whether or not earlier ones were answered, spread evenly over each second.
 * (autocannon's overallRate sends each connection's per-second quota back to
 * back at the top of every second: a burst, not a rate.) Latency is measured
 * from the scheduled send time, so a late generator cannot hide queueing.
 */
export async function fixedRate(
  url: string,
  path: string,
  nextBody: () => string,
  rate: number,
  seconds: number,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  const lat: number[] = [];
  let bad = 0;
  let sent = 0;
  const start = performance.now();
  await new Promise<void>((done) => {
    let answered = 0;
    const fire = (scheduled: number) => {
      const body = nextBody();
      const req = http.request(
        `${url}${path}`,
        {
          method: 'POST',
          agent,
          timeout: 10_000,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => {
            lat.push(performance.now() - scheduled);
            if (res.statusCode !== 200 || !text.startsWith('CON ')) bad++;
            if (++answered === total) done();
          });
        },
      );
      req.on('error', () => {
        bad++;
        if (++answered === total) done();
      });
      req.end(body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) fire(start + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { rps: total / elapsed, total, bad, ...pcts(lat), lat };
}

export function pcts(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN);
  return { p50: at(50), p95: at(95), p99: at(99) };
}

export const median = (xs: number[]) => pcts(xs).p50;

/** Mann-Whitney U, two-sided, normal approximation with tie correction. */
export function mannWhitney(a: number[], b: number[]) {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length,
    n2 = b.length,
    n = n1 + n2;
  const r1 = all.reduce((s, x, i) => (x.g === 0 ? s + ranks[i]! : s), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2) / sd;
  return { u, z, p: 2 * (1 - normalCdf(Math.abs(z))) };
}

// Abramowitz-Stegun 7.1.26 erf approximation (|error| < 1.5e-7).
function normalCdf(z: number) {
  const x = z / Math.SQRT2,
    t = 1 / (1 + 0.3275911 * Math.abs(x));
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496735) * t + 0.254829592) * t * Math.exp(-x * x);
  return 0.5 * (1 + Math.sign(x) * erf);
}

/** POSTs a body and returns status, text and the wall time in ms. */
export function post(
  url: string,
  body: string,
  type: string,
  headers: Record<string, string> = {},
  agent?: http.Agent,
) {
  return new Promise<{ status: number; text: string; ms: number }>((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const getJson = <T>(url: string) =>
  new Promise<T>((resolve, reject) => {
    http
      .get(url, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as T);
          } catch (e) {
            reject(e);
          }
        });
      })
      .on('error', reject);
  });
