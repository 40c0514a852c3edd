/**
 * Uploads an audit archive file to S3 or S3-compatible storage (MinIO, Ceph,
 * R2, GCS interoperability) with @aws-sdk/client-s3's PutObjectCommand.
 * Runs between the fsynced file and the row delete (archiveAuditLog's
 * afterFileWritten): a failed upload leaves the rows in place and the range
 * pending, and the next run rewrites the same bytes and PUTs the same key.
 * Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID/..., web
 * identity, instance role); region from ARCHIVE_S3_REGION or AWS_REGION.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';

export interface S3Target {
  bucket: string;
  /** Key prefix without a trailing slash; '' = the bucket's root. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → { bucket, prefix }. */
export function parseS3Target(text: string): S3Target {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text.trim());
  if (!m) throw new Error(`--upload takes s3://<bucket>[/<prefix>] (got "${text}")`);
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

const uploadEnvSchema = z.object({
  ARCHIVE_S3_REGION: z.string().optional(),
  AWS_REGION: z.string().optional(),
  ARCHIVE_S3_ENDPOINT: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ARCHIVE_S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((v) => v === 'true'),
});

export interface S3UploadConfig {
  region: string;
  /** An S3-compatible endpoint; the regional AWS endpoint when absent. */
  endpoint: string | undefined;
  /** Bucket in the path (MinIO and most self-hosted stores) instead of the host name. */
  forcePathStyle: boolean;
}

/** The upload settings from the environment; nothing else (no database or service secret). */
export function loadS3UploadConfig(source: Record<string, string | undefined>): S3UploadConfig {
  const env = uploadEnvSchema.parse(source);
  return {
    region: env.ARCHIVE_S3_REGION || env.AWS_REGION || 'us-east-1',
    endpoint: env.ARCHIVE_S3_ENDPOINT,
    forcePathStyle: env.ARCHIVE_S3_FORCE_PATH_STYLE,
  };
}

export interface UploadedArchive {
  url: string;
  etag: string | undefined;
}

/** Creates the uploader; `credentials` only for tests (production uses the default chain). */
export function createS3ArchiveUploader(
  config: S3UploadConfig,
  target: S3Target,
  credentials?: S3ClientConfig['credentials'],
) {
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials,
    // Content-MD5 below proves integrity; the SDK's default CRC trailer (aws-chunked) is not spoken by every S3-compatible store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
  return {
    /** PUTs the file under <prefix>/<file name>; the store checks Content-MD5 and refuses a corrupted body. */
    async upload(file: string): Promise<UploadedArchive> {
      // One archive is at most --max-rows rows (default 500 000, tens of MB gzipped): read whole for the MD5.
      const body = await readFile(file);
      const key = [target.prefix, path.basename(file)].filter(Boolean).join('/');
      const out = await client.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/gzip',
          ContentMD5: createHash('md5').update(body).digest('base64'),
          Metadata: { sha256: createHash('sha256').update(body).digest('hex') },
        }),
      );
      return { url: `s3://${target.bucket}/${key}`, etag: out.ETag };
    },
    close: () => client.destroy(),
  };
}
