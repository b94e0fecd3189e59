import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ccag, ccagBin, cliHome } from '../helpers/cli.js';
import { createPostgresDatabase, dbKinds } from '../helpers/db.js';
import { eventually, http } from '../helpers/gateway.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';

const password = 'an-admin-password-for-tests';
const secretKey = 'e2e-secret-key-e2e-secret-key-0123456789';

describe('provisioning from a shell script against two replicas on one Postgres', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, () => {
  let database: { url: string; drop(): Promise<void> };
  let one: ServeProcess;
  let two: ServeProcess;

  before(async () => {
    database = await createPostgresDatabase();
    const env = { DATABASE_URL: database.url, CCAG_ADMIN_PASSWORD: password, CCAG_SECRET_KEY: secretKey, CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-e2e-')) };
    [one, two] = await Promise.all([startServe([], env), startServe([], { ...env, CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-e2e-')) })]);
  });
  after(async () => {
    assert.equal(await one.stop(), 0, 'replica one exits 0 on SIGTERM');
    assert.equal(await two.stop(), 0, 'replica two exits 0 on SIGTERM');
    await database.drop();
  });

  test('login → teams create → users create → keys create --json → the key works; revoke → 401 on the other replica within 5 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccag-script-'));
    const script = join(dir, 'provision.sh');
    writeFileSync(
      script,
      `set -euo pipefail
export PATH="${dirname(ccagBin)}:${dirname(process.execPath)}:$PATH"
echo "$ADMIN_PASSWORD" | ccag login "$GATEWAY" --username admin --password-stdin
ccag teams create build --description "CI jobs"
ccag users create --email robot@example.com --name Robot --team build
ccag keys create --name "ci-$RUN" --team build --expires 1d --json > key.json
`,
    );
    const home = cliHome();
    const run = spawnSync('bash', [script], {
      cwd: dir,
      env: { ...process.env, HOME: home, CCAG_CREDENTIAL_STORE: 'file', ADMIN_PASSWORD: password, GATEWAY: one.url, RUN: '42' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(run.status, 0, run.stderr);
    const key = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'key.json'), 'utf8'));
    assert.equal(key.name, 'ci-42');
    assert.equal(key.team, 'build');
    assert.match(key.key, /^sk-ccag-/);

    for (const replica of [one, two]) {
      const me = await http(`${replica.url}/admin/v1/me`, { apiKey: key.key });
      assert.equal(me.status, 200);
      assert.equal(me.body.team.name, 'build');
    }

    const revoke = await ccag(['keys', 'revoke', key.prefix], { home });
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.ok(await eventually(async () => (await http(`${two.url}/admin/v1/me`, { apiKey: key.key })).status === 401, 5000));

    // Nothing secret in either replica's log.
    for (const replica of [one, two]) {
      assert.equal(replica.output().includes(key.key), false);
      assert.equal(replica.output().includes(password), false);
    }
  });

  test('CCAG_URL and CCAG_TOKEN alone (no profile, no TTY) create a key; a team_admin key is held to its team', async () => {
    const home = cliHome();
    const login = await ccag(['login', one.url, '--username', 'admin', '--password-stdin', '--json'], { stdin: password, home });
    assert.equal(login.code, 0, login.stderr);
    await ccag(['teams', 'create', 'red'], { home });
    await ccag(['teams', 'create', 'blue'], { home });
    await ccag(['users', 'create', '--email', 'lead@red.io', '--team', 'red', '--role', 'team_admin'], { home });
    const leadKey = JSON.parse((await ccag(['keys', 'create', '--name', 'lead-automation', '--user', 'lead@red.io', '--scope', 'admin', '--json'], { home })).stdout);

    const env = { CCAG_URL: two.url, CCAG_TOKEN: leadKey.key };
    const own = await ccag(['keys', 'create', '--name', 'ci', '--team', 'red', '--expires', '1d', '--quiet'], { env });
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout.trim(), /^sk-ccag-[0-9A-Za-z]{43}$/);
    const other = await ccag(['keys', 'create', '--name', 'ci', '--team', 'blue', '--json'], { env });
    assert.equal(other.code, 3);
    assert.equal(JSON.parse(other.stderr).error.type, 'permission_error');
  });
});

describe('CLI errors: one line (or JSON), and the exit code of the contract', () => {
  let gw: ServeProcess;
  let home: string;
  before(async () => {
    gw = await startServe([], { CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-e2e-')), CCAG_ADMIN_PASSWORD: password });
    home = cliHome();
    await ccag(['login', gw.url, '--username', 'admin', '--password-stdin'], { stdin: password, home });
  });
  after(async () => {
    assert.equal(await gw.stop(), 0);
  });

  test('exit codes: usage 2, auth 3, not found 4, other errors 1', async () => {
    const wrong = await ccag(['login', gw.url, '--username', 'admin', '--password-stdin'], { stdin: 'nope-nope-nope', home: cliHome() });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /^error: wrong username or password\n$/);

    const missingName = await ccag(['keys', 'create'], { home });
    assert.equal(missingName.code, 2);
    assert.match(missingName.stderr, /missing --name \(no terminal to ask on\)/);

    const badFlag = await ccag(['keys', 'create', '--bogus'], { home });
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /unknown option '--bogus'/);
    const badFlagJson = await ccag(['keys', 'create', '--bogus', '--json'], { home });
    assert.equal(badFlagJson.code, 2);
    assert.deepEqual(JSON.parse(badFlagJson.stderr), { error: { type: 'usage_error', message: "unknown option '--bogus'" } });

    const badExpiry = await ccag(['keys', 'create', '--name', 'x', '--expires', 'soon'], { home });
    assert.equal(badExpiry.code, 2);
    assert.match(badExpiry.stderr, /--expires: "soon" is not a duration/);

    const noTeam = await ccag(['teams', 'show', 'ghosts', '--json'], { home });
    assert.equal(noTeam.code, 4);
    assert.deepEqual(JSON.parse(noTeam.stderr), { error: { type: 'not_found_error', message: 'no team ghosts' } });
    assert.equal(noTeam.stdout, '');

    await ccag(['teams', 'create', 'dupe'], { home });
    const dupe = await ccag(['teams', 'create', 'dupe'], { home });
    assert.equal(dupe.code, 1);
    assert.match(dupe.stderr, /already exists/);

    const signedOut = await ccag(['keys', 'list'], { env: { CCAG_URL: gw.url } });
    assert.equal(signedOut.code, 3);
    assert.match(signedOut.stderr, /not signed in/);

    const unreachable = await ccag(['keys', 'list'], { env: { CCAG_URL: 'http://127.0.0.1:9', CCAG_TOKEN: 'x' } });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach the gateway at http:\/\/127.0.0.1:9/);

    const badInput = await ccag(['users', 'create', '--email', 'not-an-email'], { home });
    assert.equal(badInput.code, 2);
    assert.match(badInput.stderr, /email: must be an email address/);
  });

  test('lists: JSON arrays for scripts, tab-separated lines without a TTY, ids with --quiet', async () => {
    await ccag(['teams', 'create', 'listed'], { home });
    const json = JSON.parse((await ccag(['teams', 'list', '--json'], { home })).stdout);
    assert.ok(Array.isArray(json));
    const team = json.find((t: any) => t.name === 'listed');
    assert.ok(team);
    const plain = (await ccag(['teams', 'list'], { home })).stdout;
    assert.ok(plain.split('\n').some((line) => line.split('\t')[1] === 'listed'));
    const quiet = (await ccag(['teams', 'list', '--quiet'], { home })).stdout.trim().split('\n');
    assert.ok(quiet.includes(team.id));
    // Output cut short by a closed pipe (`| head -1`) is not an error.
    const piped = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${ccagBin}" completion bash | head -1`], { encoding: 'utf8', env: { ...process.env, HOME: home } });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stderr, '');
  });

  test('rotate keeps the old key working for the grace period; status reports the gateway', async () => {
    const created = JSON.parse((await ccag(['keys', 'create', '--name', 'rot', '--json'], { home })).stdout);
    const rotated = await ccag(['keys', 'rotate', created.prefix, '--grace-period', '10m', '--json'], { home });
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = JSON.parse(rotated.stdout);
    assert.notEqual(fresh.key, created.key);
    assert.equal((await http(`${gw.url}/admin/v1/me`, { apiKey: created.key })).status, 200);
    assert.equal((await http(`${gw.url}/admin/v1/me`, { apiKey: fresh.key })).status, 200);
    const shown = JSON.parse((await ccag(['keys', 'show', created.id, '--json'], { home })).stdout);
    assert.ok(Date.parse(shown.expires_at) - Date.now() <= 600_000);

    const status = await ccag(['status', '--json'], { home });
    assert.equal(status.code, 0);
    const body = JSON.parse(status.stdout);
    assert.equal(body.ready, true);
    assert.equal(body.me.user.username, 'admin');

    const logout = await ccag(['logout'], { home });
    assert.equal(logout.code, 0);
    assert.equal((await ccag(['keys', 'list'], { home })).code, 3);
  });
});
