/**
 * npm run audit:archive -- --older-than 90d --out <dir> [--max-rows N] [--upload s3://bucket/prefix]
 * Moves audit rows older than the cutoff to one gzip NDJSON file in <dir>
 * (see src/audit/archive.ts), then deletes them. Safe to re-run: a range is
 * archived once. Prints one JSON line; exits 1 on an error.
 * With --upload the file is PUT to S3 (src/audit/s3-upload.ts) before any row
 * is deleted: a failed upload deletes nothing.
 * Connects with DATABASE_URL, which must be the archiver's login (a member of
 * molam_audit_archiver, sql/013); an age under the audit retention (90 days)
 * is refused before anything is written.
 */
import dotenv from 'dotenv';
import { archiveAuditLog } from '../audit/archive.js';
import { parseArchiveArgs } from '../audit/archive-args.js';
import { createS3ArchiveUploader, loadS3UploadConfig, type UploadedArchive } from '../audit/s3-upload.js';
import { loadDatabaseConfig } from '../config.js';
import { openConfiguredDatabase } from './open-database.js';

async function main(argv: string[]): Promise<void> {
  const { olderThanMs, outDir, maxRows, upload } = parseArchiveArgs(argv);
  dotenv.config({ quiet: true });
  const uploader = upload && createS3ArchiveUploader(loadS3UploadConfig(process.env), upload);
  const db = await openConfiguredDatabase(loadDatabaseConfig(process.env));
  let uploaded: UploadedArchive | undefined;
  try {
    const afterFileWritten =
      uploader &&
      (async (file: string) => {
        uploaded = await uploader.upload(file);
      });
    const result = await archiveAuditLog({ db, outDir, olderThanMs, maxRows, afterFileWritten });
    process.stdout.write(`${JSON.stringify({ ...result, uploaded: uploaded?.url })}\n`);
  } finally {
    uploader?.close();
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`audit:archive failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
