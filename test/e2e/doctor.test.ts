import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { version } from '../../src/server/version.js';
import { ccag, cliHome } from '../helpers/cli.js';
import { createTestDb, type TestDatabase } from '../helpers/db.js';
import { adminToken, http, startGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/serve.js';

interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint: string | null;
}

let t: TestDatabase;
let gw: TestGateway;
before(async () => {
  t = await createTestDb('pglite');
  gw = await startGateway(t.db);
});
after(async () => {
  await gw.close();
  await t.drop();
});

/** No variable of the test runner's shell should count as the developer's. */
const cleanShell = { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, ANTHROPIC_BASE_URL: undefined, CLAUDE_CODE_USE_BEDROCK: undefined, CLAUDE_CODE_USE_VERTEX: undefined, CLAUDE_CODE_USE_FOUNDRY: undefined, ANTHROPIC_MODEL: undefined };

async function doctor(args: string[], opts: { home: string; cwd?: string; env?: Record<string, string | undefined> }): Promise<{ code: number; checks: Check[]; stderr: string }> {
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'ccag-doctor-work-'));
  const r = await ccag(['doctor', '--json', ...args], { home: opts.home, cwd, env: { ...cleanShell, ...opts.env } });
  return { code: r.code, checks: JSON.parse(r.stdout) as Check[], stderr: r.stderr };
}

const named = (checks: Check[], name: string) => checks.filter((c) => c.check === name);

test('Bedrock settings left in the user and project files: each file is named with what conflicts, exit 1', async () => {
  const home = cliHome();
  mkdirSync(join(home, '.claude'));
  const userFile = join(home, '.claude', 'settings.json');
  writeFileSync(userFile, JSON.stringify({ model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', env: { CLAUDE_CODE_USE_BEDROCK: '1', AWS_REGION: 'us-east-1', MY_VAR: 'x' } }));
  const cwd = mkdtempSync(join(tmpdir(), 'ccag-doctor-project-'));
  mkdirSync(join(cwd, '.claude'));
  const projectFile = join(cwd, '.claude', 'settings.json');
  writeFileSync(projectFile, JSON.stringify({ env: { ANTHROPIC_SMALL_FAST_MODEL: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x' } }));

  const r = await doctor(['--gateway', gw.url], { home, cwd, env: { ANTHROPIC_API_KEY: 'sk-ant-old' } });
  assert.equal(r.code, 1, r.stderr);
  const conflicts = named(r.checks, 'conflicts');
  assert.deepEqual(
    conflicts.map((c) => [c.status, c.detail]),
    [
      ['fail', `${projectFile}: env.ANTHROPIC_SMALL_FAST_MODEL`],
      ['fail', `${userFile}: model, env.CLAUDE_CODE_USE_BEDROCK, env.AWS_REGION`],
    ],
  );
  assert.match(conflicts[1]!.hint!, /ccag connect/);
  assert.deepEqual(named(r.checks, 'shell-env').map((c) => [c.status, c.detail]), [['fail', 'set in the shell: ANTHROPIC_API_KEY']]);
  assert.equal(named(r.checks, 'settings')[0]!.status, 'fail', 'no ANTHROPIC_BASE_URL anywhere');
  assert.equal(readFileSync(userFile, 'utf8').includes('CLAUDE_CODE_USE_BEDROCK'), true, 'doctor changes nothing');
});

test('after ccag connect, every check passes against a reachable gateway: its version, the clock, the token', async () => {
  const admin = await adminToken(gw.url);
  const key = (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'doctor' } })).body.key;
  const home = cliHome();
  const connected = await ccag(['connect', gw.url, '--key', key], { home });
  assert.equal(connected.code, 0, connected.stderr);

  const r = await doctor([], { home });
  assert.equal(r.code, 0, JSON.stringify(r.checks, null, 2));
  assert.deepEqual(
    r.checks.map((c) => [c.check, c.status]),
    [
      ['settings', 'ok'],
      ['conflicts', 'ok'],
      ['shell-env', 'ok'],
      ['credential-store', 'ok'],
      ['gateway', 'ok'],
      ['tls', 'ok'],
      ['clock', 'ok'],
      ['token', 'ok'],
    ],
  );
  assert.match(named(r.checks, 'gateway')[0]!.detail, new RegExp(`answered in \\d+ ms, ccag ${version.replace(/\./g, '\\.')}$`));
  assert.match(named(r.checks, 'settings')[0]!.detail, new RegExp(`ANTHROPIC_BASE_URL is ${gw.url} \\(${join(home, '.claude', 'settings.json')}\\)`));

  const text = await ccag(['doctor'], { home, env: cleanShell });
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^gateway\tok\t/m, 'plain tab-separated lines without a terminal');
});

test('an unreachable gateway fails, and the checks that need it are left out', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const r = await doctor(['--gateway', url], { home: cliHome() });
  assert.equal(r.code, 1);
  const gateway = named(r.checks, 'gateway');
  assert.equal(gateway.length, 1);
  assert.equal(gateway[0]!.status, 'fail');
  assert.match(gateway[0]!.detail, new RegExp(`cannot reach ${url}/health \\(ECONNREFUSED\\)`));
  assert.deepEqual(named(r.checks, 'clock'), []);
  assert.deepEqual(named(r.checks, 'token').map((c) => c.status), ['fail']);
});

/** A self-signed certificate for localhost, made with the openssl command. */
function selfSignedCert(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-doctor-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

test('an https gateway with a certificate nobody trusts fails the TLS check', async (t) => {
  const pem = selfSignedCert();
  if (!pem) return t.skip('no openssl command');
  const server: Server = createServer(pem, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;
  const r = await doctor(['--gateway', url], { home: cliHome(), env: { NODE_EXTRA_CA_CERTS: undefined } });
  assert.equal(r.code, 1);
  const tls = named(r.checks, 'tls');
  assert.equal(tls.length, 1);
  assert.equal(tls[0]!.status, 'fail');
  assert.match(tls[0]!.detail, /certificate of localhost is not valid: DEPTH_ZERO_SELF_SIGNED_CERT/);
  assert.match(tls[0]!.hint!, /NODE_EXTRA_CA_CERTS/);
});
