/**
 * A local stand-in for S3's PUT Object API (path-style, as MinIO and Ceph RGW
 * serve it), on 127.0.0.1 and a random port, so the REAL @aws-sdk/client-s3
 * can talk to it. Wire format: `PUT /<bucket>/<key>` with the object as the
 * body, optional Content-MD5 (base64 MD5 of the body) and x-amz-meta-*
 * headers, signed with SigV4; success is 200 with the ETag header (the quoted
 * hex MD5), errors an XML <Error><Code>…</Code><Message>…</Message></Error>
 * (IBM Storage Ceph "S3 add an object to a bucket"; Backblaze B2 "S3 Put
 * Object" example response; AWS PutObject: "compare the returned Etag to the
 * calculated MD5 value").
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  bucket: string;
  key: string;
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export type FakeS3Mode = 'accept' | 'server_error';

const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fake-s3</RequestId></Error>`,
  );
};

/** Serves PUT Object for `buckets`, checking the SigV4 key id and Content-MD5 as S3 does. */
export async function startFakeS3({ accessKeyId, buckets }: { accessKeyId: string; buckets: string[] }) {
  const objects: StoredObject[] = [];
  let mode: FakeS3Mode = 'accept';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const [, bucket = '', ...keyParts] = decodeURIComponent((req.url ?? '').split('?')[0]!).split('/');
      if (req.method !== 'PUT' || keyParts.length === 0)
        return xmlError(res, 405, 'MethodNotAllowed', 'Only PUT Object is served here');
      if (!String(req.headers.authorization ?? '').startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`)) {
        return xmlError(
          res,
          403,
          'InvalidAccessKeyId',
          'The AWS Access Key Id you provided does not exist in our records.',
        );
      }
      if (!buckets.includes(bucket)) return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (mode === 'server_error')
        return xmlError(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
      const md5 = createHash('md5').update(body);
      const sent = req.headers['content-md5'];
      if (sent !== undefined && sent !== md5.copy().digest('base64'))
        return xmlError(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      objects.push({ bucket, key: keyParts.join('/'), body, headers: req.headers });
      res.writeHead(200, { etag: `"${md5.digest('hex')}"` });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    respondWith(next: FakeS3Mode) {
      mode = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
