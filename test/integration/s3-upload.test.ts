/**
 * Issue 15 item 14: the audit archive uploaded to S3-compatible storage.
 * Real: @aws-sdk/client-s3 (SigV4, retries, its XML error parsing), the
 * PostgreSQL of this machine (a fresh database per test) and the CLI run as
 * the CronJob runs it; the S3 side is test/support/fake-s3.ts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArchiveArgs } from '../../src/audit/archive-args.js';
import { createS3ArchiveUploader, loadS3UploadConfig, parseS3Target } from '../../src/audit/s3-upload.js';
import { createPostgresDatabase } from '../../src/db/database.js';
import { runMigrations } from '../../src/db/migrations.js';
import { startFakeS3 } from '../support/fake-s3.js';
import { createTestDatabase } from '../support/services.js';

const creds = { accessKeyId: 'AKIAFAKEARCHIVE00001', secretAccessKey: 'fake-secret-access-key-for-tests-only' };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function fakeS3() {
  const s3 = await startFakeS3({ accessKeyId: creds.accessKeyId, buckets: ['molam-audit'] });
  cleanups.push(() => s3.close());
  return s3;
}

async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'molam-s3-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('issue 15 item 14: S3 upload of an audit archive, through the real SDK', () => {
  it('PUTs the file under <prefix>/<file name> with Content-MD5 and its sha256, signed with the key id', async () => {
    const s3 = await fakeS3();
    const file = path.join(await tempDir(), 'molam_audit_000000000001-000000000002.ndjson.gz');
    await writeFile(file, Buffer.from([0x1f, 0x8b, 0, 1, 2, 3, 255]));
    const config = loadS3UploadConfig({
      ARCHIVE_S3_ENDPOINT: s3.endpoint,
      ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      ARCHIVE_S3_REGION: 'eu-west-1',
    });
    const uploader = createS3ArchiveUploader(config, parseS3Target('s3://molam-audit/prod/audit/'), creds);
    const uploaded = await uploader.upload(file);
    uploader.close();

    const body = await readFile(file);
    expect(uploaded).toEqual({
      url: `s3://molam-audit/prod/audit/${path.basename(file)}`,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
    });
    expect(s3.objects).toHaveLength(1);
    const [stored] = s3.objects;
    expect(stored).toMatchObject({ bucket: 'molam-audit', key: `prod/audit/${path.basename(file)}` });
    expect(stored!.body.equals(body)).toBe(true);
    expect(stored!.headers['x-amz-meta-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(stored!.headers.authorization).toMatch(
      /Credential=AKIAFAKEARCHIVE00001\/\d{8}\/eu-west-1\/s3\/aws4_request/,
    );
  });

  it('reads s3://bucket[/prefix] and refuses anything else', () => {
    expect(parseS3Target('s3://molam-audit')).toEqual({ bucket: 'molam-audit', prefix: '' });
    expect(
      parseArchiveArgs(['--older-than', '90d', '--out', '/tmp/a', '--upload', 's3://molam-audit/a/b']).upload,
    ).toEqual({ bucket: 'molam-audit', prefix: 'a/b' });
    expect(() => parseS3Target('https://molam-audit.s3.amazonaws.com/x')).toThrow(/s3:\/\/<bucket>/);
  });
});

describe('issue 15 item 14: npm run audit:archive -- --upload, as the CronJob runs it', () => {
  const run = promisify(execFile);
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/audit-archive.ts', ...args], {
      env: { ...process.env, ...env },
      cwd: process.cwd(),
    });

  async function databaseWithOldRows(n: number) {
    const test = await createTestDatabase('s3archive');
    const db = createPostgresDatabase(test.url);
    cleanups.push(
      () => test.drop(),
      () => db.close(),
    );
    await runMigrations(db);
    await db.query(
      `INSERT INTO molam_audit_log (occurred_at, action, outcome, kind, channel, country, subject)
       SELECT now() - interval '120 days', 'reset.code_failed', 'invalid', 'ussd_pin', 'ussd', 'SN', '+221*******01' FROM generate_series(1, $1)`,
      [n],
    );
    const count = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM molam_audit_log')).rows[0]!.n);
    return { url: test.url, count };
  }

  const s3Env = (endpoint: string) => ({
    ARCHIVE_S3_ENDPOINT: endpoint,
    ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    NODE_ENV: 'production',
  });

  it('uploads the archive, then deletes the rows, and prints where the object went', async () => {
    const s3 = await fakeS3();
    const db = await databaseWithOldRows(3);
    const dir = await tempDir();
    const { stdout } = await cli(['--older-than', '90d', '--out', dir, '--upload', 's3://molam-audit/audit'], {
      DATABASE_URL: db.url,
      ...s3Env(s3.endpoint),
    });
    const [file] = await readdir(dir);
    expect(JSON.parse(stdout)).toMatchObject({ archived: 3, uploaded: `s3://molam-audit/audit/${file}` });
    expect(s3.objects.map((o) => o.key)).toEqual([`audit/${file}`]);
    expect(s3.objects[0]!.body.equals(await readFile(path.join(dir, file!)))).toBe(true);
    expect(await db.count()).toBe(0);
  });

  it('deletes nothing when the store refuses the upload, and the next run uploads the same bytes', async () => {
    const s3 = await fakeS3();
    s3.respondWith('server_error');
    const db = await databaseWithOldRows(2);
    const dir = await tempDir();
    const args = ['--older-than', '90d', '--out', dir, '--upload', 's3://molam-audit/audit'];
    await expect(cli(args, { DATABASE_URL: db.url, ...s3Env(s3.endpoint) })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/audit:archive failed: .*internal error/i),
    });
    expect(await db.count()).toBe(2);
    const [file] = await readdir(dir);
    const firstBytes = await readFile(path.join(dir, file!));

    s3.respondWith('accept');
    await cli(args, { DATABASE_URL: db.url, ...s3Env(s3.endpoint) });
    expect(await db.count()).toBe(0);
    expect(s3.objects.at(-1)!.body.equals(firstBytes)).toBe(true);
  });

  it("refuses an unknown bucket with the store's reason, deleting nothing", async () => {
    const s3 = await fakeS3();
    const db = await databaseWithOldRows(1);
    await expect(
      cli(['--older-than', '90d', '--out', await tempDir(), '--upload', 's3://other-bucket'], {
        DATABASE_URL: db.url,
        ...s3Env(s3.endpoint),
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/bucket does not exist/) });
    expect(await db.count()).toBe(1);
  });
});
