import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

test('a killed process its parent has not reaped yet (a zombie) does not hold the folder', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-lock-'));
  // A child of a parent that never waits for it: once killed, it stays a zombie while the parent sleeps.
  const shell = spawn('perl', ['-e', '$|=1; my $p = fork; if (!$p) { sleep 30; exit } print "$p\n"; kill 9, $p; sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve) => shell.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  try {
    const zombie = () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] === 'Z';
      } catch {
        return false;
      }
    };
    for (const deadline = Date.now() + 3000; !zombie() && Date.now() < deadline; ) await new Promise((r) => setImmediate(r));
    assert.ok(zombie(), 'the killed child is a zombie');
    writeFileSync(join(dir, 'ccag.lock'), String(pid));
    const release = lockDataDir(dir);
    release();
  } finally {
    shell.kill();
  }
});
