/**
 * A TCP proxy for chaos tests: sits between the service and a real server
 * (Postgres, Redis) so a test can cut the link without touching the shared
 * server. cut() resets every connection and refuses new ones; stall() keeps
 * connections open but forwards nothing (a network partition: peers time out).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Destroys every open connection and resets new ones until restore(). */
  cut(): void;
  /** Forwards nothing in either direction (connections stay open, data is dropped) until restore(). */
  stall(): void;
  /** Forwards again; connections held by stall() are reset (the partition ended with a RST). */
  restore(): void;
  /** Number of client connections currently open through the proxy. */
  readonly connections: number;
  close(): Promise<void>;
}

type Mode = 'forward' | 'cut' | 'stall';

/** Starts a proxy on a random loopback port forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'forward';
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();

  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // Data is relayed by hand (not pipe) so stall() can swallow it.
    client.on('data', (chunk) => {
      if (mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'forward') client.write(chunk);
    });
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const resetAll = () => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      mode = 'cut';
      resetAll();
    },
    stall() {
      mode = 'stall';
    },
    restore() {
      if (mode === 'stall') resetAll();
      mode = 'forward';
    },
    get connections() {
      return pairs.size;
    },
    async close() {
      mode = 'cut';
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
