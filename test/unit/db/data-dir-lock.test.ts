import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataDirLockedError, lockDataDir } from '../../../src/db/data-dir-lock.js';

test('a live process holding the folder locks out another', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-lock-'));
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    writeFileSync(join(dir, 'ccag.lock'), String(other.pid));
    assert.throws(() => lockDataDir(dir), (err: Error) => err instanceof DataDirLockedError && err.message.includes(`pid ${other.pid}`));
  } finally {
    other.kill();
  }
});

test('a lock left by a dead process is taken over, and released on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-lock-'));
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.on('close', r));
  writeFileSync(join(dir, 'ccag.lock'), String(dead.pid));
  const release = lockDataDir(dir);
  assert.ok(existsSync(join(dir, 'ccag.lock')));
  release();
  assert.equal(existsSync(join(dir, 'ccag.lock')), false);
});
