/** Arguments of npm run audit:archive -- --older-than 90d --out <dir> [--max-rows N] [--upload s3://bucket/prefix]. */
import { parseArgs } from 'node:util';
import { parseS3Target, type S3Target } from './s3-upload.js';

const HOUR = 3_600_000;
const UNITS: Record<string, number> = { h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };
export const ARCHIVE_USAGE =
  'usage: npm run audit:archive -- --older-than 90d --out <dir> [--max-rows N] [--upload s3://bucket/prefix]';

/**
 * "90d" → milliseconds. No minimum here: the database refuses an age under
 * its audit retention (molam_audit_retention(), 90 days) before planning anything.
 */
export function parseAge(text: string): number {
  const m = /^(\d+)([hdw])$/.exec(text.trim());
  if (!m) throw new Error(`--older-than takes a number and a unit: 90d, 12w, 2160h (got "${text}")`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

export interface ArchiveArgs {
  olderThanMs: number;
  outDir: string;
  maxRows: number | undefined;
  /** Where the file goes before the rows are deleted; undefined = the local file only. */
  upload: S3Target | undefined;
}

export function parseArchiveArgs(argv: string[]): ArchiveArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      'older-than': { type: 'string' },
      out: { type: 'string' },
      'max-rows': { type: 'string' },
      upload: { type: 'string' },
    },
    strict: true,
  });
  if (!values['older-than'] || !values.out) throw new Error(ARCHIVE_USAGE);
  const maxRows = values['max-rows'] === undefined ? undefined : Number(values['max-rows']);
  if (maxRows !== undefined && !(Number.isInteger(maxRows) && maxRows > 0))
    throw new Error('--max-rows must be a positive integer');
  const upload = values.upload === undefined ? undefined : parseS3Target(values.upload);
  return { olderThanMs: parseAge(values['older-than']), outDir: values.out, maxRows, upload };
}
