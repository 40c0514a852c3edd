/**
 * A loopback stand-in for Africa's Talking's SMS API (AT_API_BASE_URL points
 * here): the service's real AT sender POSTs {base}/messaging (form: username,
 * to, message) and gets AT's 201 "Success" answer. Keeps the last code sent
 * to each number, so a simulated user can type it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startFakeAt() {
  const codes = new Map<string, string>();
  let sent = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const to = form.get('to') ?? '';
      const code = /#(\d{6})\b/.exec(form.get('message') ?? '')?.[1];
      if (code) codes.set(to, code);
      sent++;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          SMSMessageData: {
            Message: 'Sent to 1/1',
            Recipients: [
              { statusCode: 101, number: to, status: 'Success', cost: 'XOF 0', messageId: `ATXid_bench_${sent}` },
            ],
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/version1`,
    codeFor: (to: string) => codes.get(to) ?? null,
    sent: () => sent,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
