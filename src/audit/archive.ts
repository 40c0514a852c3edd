/**
 * Moves audit rows older than a cutoff to a gzip NDJSON file, then deletes
 * them. Order of a run (manifest table molam_audit_archives, sql/009):
 *   1. plan: record the id range to move as 'pending' (or resume the pending one);
 *   2. write: stream the range to a temp file, fsync it, rename it to
 *      molam_audit_<from>-<to>.ndjson.gz, fsync the directory;
 *   3. delete: in one transaction, delete exactly the rows written — the
 *      count must match or nothing is deleted — and mark the range 'archived'
 *      with the file's sha256.
 * The append-only trigger (sql/014) lets the delete through only for a member
 * of molam_audit_archiver and only for rows older than molam_audit_retention()
 * (90 days): a run connects as the archiver's login, and its age is checked
 * against that retention by the database before anything is planned.
 * A crash before 3 leaves the range pending: the next run rewrites the same
 * file (same rows, same bytes, same name) and deletes. Rows are written as
 * stored: subjects stay masked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Database, Queryable } from '../db/database.js';

export interface ArchiveOptions {
  db: Database;
  outDir: string;
  /** Rows older than this (ms) are archived; at least the database's audit retention (90 days). */
  olderThanMs: number;
  /** Rows per file (one file per run). Default 500 000. */
  maxRows?: number;
  pageSize?: number;
  /** Runs between the fsynced file and the delete (tests simulate a crash here). */
  afterFileWritten?: (file: string) => Promise<void>;
}

export interface ArchiveResult {
  archived: number;
  /** Rows with occurred_at before this, by the database's clock (the pending range's own when resumed). */
  cutoff?: Date;
  file?: string;
  fromId?: string;
  toId?: string;
  sha256?: string;
  /** True when this run finished a range an earlier run had left pending. */
  resumed: boolean;
}

interface ManifestRow {
  id: string;
  from_id: string;
  to_id: string;
  cutoff: Date;
  file_name: string;
}

const pad = (id: string) => id.padStart(12, '0');
export const archiveFileName = (fromId: string, toId: string) => `molam_audit_${pad(fromId)}-${pad(toId)}.ndjson.gz`;
const MANIFEST = 'id::text, from_id::text, to_id::text, cutoff, file_name';

/** Refuses early, with what to change, what the trigger would refuse at the delete. */
async function checkArchiveRights(tx: Queryable, olderThanMs: number): Promise<Date> {
  const { rows } = await tx.query<{ cutoff: Date; too_young: boolean; retention: string; archiver: boolean }>(
    `SELECT now() - make_interval(secs => $1::float8 / 1000) AS cutoff,
            make_interval(secs => $1::float8 / 1000) < molam_audit_retention() AS too_young,
            molam_audit_retention()::text AS retention,
            EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = 'molam_audit_archiver'
                    AND pg_has_role(current_user, r.oid, 'MEMBER')) AS archiver`,
    [olderThanMs],
  );
  const check = rows[0]!;
  if (check.too_young) {
    throw new Error(
      `audit rows are kept ${check.retention} (molam_audit_retention(), sql/014): --older-than must be at least that`,
    );
  }
  if (!check.archiver) {
    throw new Error(
      "this login is not a member of molam_audit_archiver: run the archive with the archiver's DATABASE_URL",
    );
  }
  return check.cutoff;
}

/** Step 1: the pending range, an earlier run's or a new one; undefined when nothing is old enough. */
async function planRange(
  db: Database,
  o: ArchiveOptions,
): Promise<{ plan: ManifestRow; resumed: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const cutoff = await checkArchiveRights(tx, o.olderThanMs);
    const pending = await tx.query<ManifestRow>(
      `SELECT ${MANIFEST} FROM molam_audit_archives WHERE status = 'pending'`,
    );
    if (pending.rows[0]) return { plan: pending.rows[0], resumed: true };
    const { rows } = await tx.query<{ from_id: string | null; to_id: string | null; n: number }>(
      `SELECT min(id)::text AS from_id, max(id)::text AS to_id, count(*)::int AS n
         FROM (SELECT id FROM molam_audit_log WHERE occurred_at < $1 ORDER BY id LIMIT $2) old`,
      [cutoff, o.maxRows ?? 500_000],
    );
    const range = rows[0];
    if (!range?.from_id || !range.to_id) return undefined;
    const created = await tx.query<ManifestRow>(
      `INSERT INTO molam_audit_archives (from_id, to_id, cutoff, row_count, file_name, out_dir)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING ${MANIFEST}`,
      [
        range.from_id,
        range.to_id,
        cutoff,
        range.n,
        archiveFileName(range.from_id, range.to_id),
        path.resolve(o.outDir),
      ],
    );
    if (!created.rows[0]) throw new Error('another audit archive run started at the same time; run again');
    return { plan: created.rows[0], resumed: false };
  });
}

/** The rows of a range, page by page, as NDJSON lines: the same rows always give the same bytes. */
async function* ndjsonLines(db: Queryable, plan: ManifestRow, pageSize: number, counter: { rows: number }) {
  let after = (BigInt(plan.from_id) - 1n).toString();
  for (;;) {
    const { rows } = await db.query<Record<string, unknown> & { id: string }>(
      `SELECT id::text AS id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
              action, outcome, user_id::text AS user_id, request_id::text AS request_id, kind, channel,
              country::text AS country, subject, host(actor_ip) AS actor_ip, details
         FROM molam_audit_log
        WHERE id > $1 AND id <= $2 AND occurred_at < $3
        ORDER BY molam_audit_log.id LIMIT $4`, // qualified: a bare "id" would sort by the text alias
      [after, plan.to_id, plan.cutoff, pageSize],
    );
    if (rows.length === 0) return;
    counter.rows += rows.length;
    after = rows[rows.length - 1]!.id;
    yield rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  }
}

/** fsync through a fresh descriptor: Linux flushes the file's (or directory's) data whichever fd asks. */
async function fsync(target: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Step 2: temp file → fsync → rename → fsync the directory. Returns the rows written and the file's sha256. */
async function writeRange(db: Database, o: ArchiveOptions, plan: ManifestRow, resumed: boolean) {
  await mkdir(o.outDir, { recursive: true });
  const file = path.join(o.outDir, plan.file_name);
  // A file of that name we did not leave pending ourselves is someone else's: never overwrite it.
  if (!resumed && (await stat(file).catch(() => undefined))) throw new Error(`refusing to overwrite ${file}`);
  const tmp = path.join(o.outDir, `.${plan.file_name}.${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  const counter = { rows: 0 };
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(
    ndjsonLines(db, plan, o.pageSize ?? 5000, counter),
    createGzip({ level: 9 }),
    tap,
    createWriteStream(tmp, { flags: 'wx', mode: 0o640 }),
  );
  await fsync(tmp, 'r+');
  await rename(tmp, file);
  await fsync(o.outDir, 'r'); // the rename itself must survive a power loss before rows are deleted
  return { file, rows: counter.rows, sha256: hash.digest('hex') };
}

/** Step 3: delete exactly what the file holds, and close the range. False when another run closed it first. */
async function deleteRange(
  db: Database,
  plan: ManifestRow,
  written: { rows: number; sha256: string },
  outDir: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `SELECT 1 FROM molam_audit_archives WHERE id = $1 AND status = 'pending' FOR UPDATE`,
      [plan.id],
    );
    if (rows.length === 0) return false;
    const deleted = await tx.query('DELETE FROM molam_audit_log WHERE id BETWEEN $1 AND $2 AND occurred_at < $3', [
      plan.from_id,
      plan.to_id,
      plan.cutoff,
    ]);
    if (deleted.rowCount !== written.rows) {
      // A row appeared in the range after the file was written: keep everything, the next run rewrites the file.
      throw new Error(
        `audit archive ${plan.file_name}: ${deleted.rowCount} rows to delete but ${written.rows} written; nothing deleted`,
      );
    }
    await tx.query(
      `UPDATE molam_audit_archives SET status = 'archived', row_count = $2, sha256 = $3, out_dir = $4, archived_at = now() WHERE id = $1`,
      [plan.id, written.rows, written.sha256, path.resolve(outDir)],
    );
    return true;
  });
}

/** Archives one range (one file) of audit rows older than the cutoff. */
export async function archiveAuditLog(o: ArchiveOptions): Promise<ArchiveResult> {
  const planned = await planRange(o.db, o);
  if (!planned) return { archived: 0, resumed: false };
  const { plan, resumed } = planned;
  const written = await writeRange(o.db, o, plan, resumed);
  await o.afterFileWritten?.(written.file);
  const closed = await deleteRange(o.db, plan, written, o.outDir);
  return {
    archived: closed ? written.rows : 0,
    cutoff: plan.cutoff,
    file: written.file,
    fromId: plan.from_id,
    toId: plan.to_id,
    sha256: written.sha256,
    resumed,
  };
}
