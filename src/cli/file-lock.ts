import { mkdirSync, openSync, closeSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

// A holder that died keeps its lock file; after this long the file is taken as abandoned.
const staleAfterMs = 30_000;

/**
 * Runs fn holding an exclusive lock file (created with O_EXCL, so only one process wins),
 * waiting up to `waitMs` for another holder. Local processes only: parallel `ccag token`
 * runs of several Claude Code sessions.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, waitMs = 20_000): Promise<T> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isStale(path)) continue;
      if (Date.now() > deadline) throw new Error(`another ccag holds ${path}; remove it if no ccag is running`);
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
  try {
    return await fn();
  } finally {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // already taken over as stale
    }
  }
}

function isStale(path: string): boolean {
  try {
    if (Date.now() - statSync(path).mtimeMs < staleAfterMs) return false;
    unlinkSync(path);
    return true;
  } catch {
    return true; // gone meanwhile: try again at once
  }
}
