-- 009: manifest of audit-log archives (npm run audit:archive).
-- Idempotent: safe to run twice (psql -v ON_ERROR_STOP=1 -f sql/009_audit_archives.sql).
-- A run first records the id range it will move ('pending'), then writes and
-- fsyncs the file, then deletes exactly that range and marks it 'archived' in
-- one transaction. A run that finds a pending range (a crash between file and
-- delete) finishes that range first, rewriting the same file under the same
-- name: a row is never in two archives, and never deleted without one.
CREATE TABLE IF NOT EXISTS molam_audit_archives (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_id     bigint NOT NULL,
  to_id       bigint NOT NULL,
  cutoff      timestamptz NOT NULL,   -- rows with occurred_at before this, within the range
  row_count   integer NOT NULL,       -- planned; set to the archived count on completion
  file_name   text NOT NULL,
  out_dir     text NOT NULL,
  sha256      text,                   -- of the .ndjson.gz file, once archived
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'archived')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  CONSTRAINT molam_audit_archives_range CHECK (from_id <= to_id)
);

-- At most one unfinished archive at a time: concurrent runs converge on it.
CREATE UNIQUE INDEX IF NOT EXISTS idx_audit_archives_one_pending
  ON molam_audit_archives ((true)) WHERE status = 'pending';
