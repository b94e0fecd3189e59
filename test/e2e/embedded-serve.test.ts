import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ccag, cliHome } from '../helpers/cli.js';
import { http } from '../helpers/gateway.js';
import { freePort, serveRefusal, startServe } from '../helpers/serve.js';

test('ccag serve with no DATABASE_URL runs on PGlite, keeps its data across a restart, and locks its folder', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccag-embedded-'));
  const env = { CCAG_DATA_DIR: dataDir, CCAG_ADMIN_PASSWORD: undefined };
  // The same address after the restart, so the CLI's profile still points at it.
  const port = String(await freePort());
  const first = await startServe(['--port', port], env);

  // The bootstrap password is in a 0600 file, never in the log.
  const passwordFile = join(dataDir, 'initial-admin-password');
  const password = readFileSync(passwordFile, 'utf8').trim();
  assert.equal(statSync(passwordFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(dataDir, 'secret-key')).mode & 0o777, 0o600);
  assert.ok(first.output().includes(passwordFile));
  assert.equal(first.output().includes(password), false);

  const ready = await http(`${first.url}/ready`);
  assert.equal(ready.status, 200);
  assert.equal(ready.body.database, 'pglite');

  const home = cliHome();
  assert.equal((await ccag(['login', first.url, '--username', 'admin', '--password-stdin'], { stdin: password, home })).code, 0);
  assert.equal((await ccag(['teams', 'create', 'survivors'], { home })).code, 0);

  // A second gateway on the same folder is refused while the first runs.
  const second = await serveRefusal([], env);
  assert.notEqual(second.code, 0);
  assert.match(second.output, /in use by another ccag process/);

  assert.equal(await first.stop('SIGTERM'), 0);
  const again = await startServe(['--port', port], env);
  try {
    const teams = JSON.parse((await ccag(['teams', 'list', '--json'], { home })).stdout);
    assert.ok(teams.some((t: { name: string }) => t.name === 'survivors'));
    // The first start's password still works: no second bootstrap.
    assert.equal(readFileSync(passwordFile, 'utf8').trim(), password);
  } finally {
    assert.equal(await again.stop('SIGINT'), 0);
  }
});

test('invalid configuration stops the start with one line naming the setting', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccag-embedded-'));
  const exposed = await serveRefusal(['--host', '0.0.0.0', '--public-url', 'https://gw.example.com'], { CCAG_DATA_DIR: dataDir });
  assert.equal(exposed.code, 2);
  assert.match(exposed.output, /^error: invalid configuration: --host \/ CCAG_HOST: .*--embedded-db.*\n$/);

  const badLevel = await serveRefusal([], { CCAG_DATA_DIR: dataDir, CCAG_LOG_LEVEL: 'loud' });
  assert.equal(badLevel.code, 2);
  assert.equal(badLevel.output.trim().split('\n').length, 1);
  assert.match(badLevel.output, /--log-level \/ CCAG_LOG_LEVEL/);

  const noSecret = await serveRefusal([], { CCAG_DATA_DIR: dataDir, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', CCAG_SECRET_KEY: undefined });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.output, /CCAG_SECRET_KEY: required with Postgres/);
});
