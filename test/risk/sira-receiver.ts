/** A local stand-in for SIRA: checks each request's signature, records valid signals, answers as scripted. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySiraSignature,
  type RiskSignal,
} from '../../src/risk/sira-sender.js';

export interface SiraReceiver {
  url: string;
  signals: RiskSignal[];
  /** Every request, valid or not: signal id and whether its signature held. */
  requests: Array<{ id: string | undefined; valid: boolean }>;
  /** Status for the next requests (consumed in order), 200 when empty. */
  script: number[];
  /** Delay before answering, in ms. */
  delayMs: number;
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export async function startSiraReceiver(secret: string): Promise<SiraReceiver> {
  const receiver = { signals: [], requests: [], script: [], delayMs: 0 } as unknown as SiraReceiver;
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const valid = verifySiraSignature(
      secret,
      raw,
      req.headers[TIMESTAMP_HEADER] as string,
      req.headers[SIGNATURE_HEADER] as string,
    );
    receiver.requests.push({ id: req.headers['x-molam-signal-id'] as string | undefined, valid });
    if (receiver.delayMs) await new Promise((r) => setTimeout(r, receiver.delayMs));
    if (!valid) {
      res.writeHead(401).end();
      return;
    }
    const status = receiver.script.shift() ?? 200;
    if (status === 200) receiver.signals.push(JSON.parse(raw) as RiskSignal);
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signals`;
  receiver.waitFor = async (n, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (receiver.signals.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} signals, got ${receiver.signals.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
