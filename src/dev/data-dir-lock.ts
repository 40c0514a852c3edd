/**
 * Who holds an embedded PGlite folder. PGlite is one process's database: a
 * second process (users:add beside a running npm run dev) would write into a
 * copy the server never reads back, and the user would be lost on its next save.
 * The dev server leaves its pid in the folder; a pid that no longer runs is stale.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'molam-dev.pid';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The pid of another live process holding `dir`, or undefined (no lock, a stale one, or our own). */
export function dataDirHolder(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid) ? pid : undefined;
}

/**
 * Waits while another live process holds `dir` (a watcher restart: the old server
 * is still draining), up to `timeoutMs`; resolves with the holder still there, if any.
 */
export async function waitForDataDir(dir: string, timeoutMs: number): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  let holder = dataDirHolder(dir);
  while (holder !== undefined && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    holder = dataDirHolder(dir);
  }
  return holder;
}

/** Marks `dir` as held by this process until it exits. */
export function holdDataDir(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  writeFileSync(file, `${process.pid}\n`);
  // Only our own lock is removed: a successor may already have written its pid.
  process.on('exit', () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  });
}
