import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { renderSetupScript } from '../../src/server/setup-routes.js';
import { version } from '../../src/server/version.js';
import { adminPassword, adminToken, http, useTestGateway } from '../helpers/gateway.js';
import { runProgram } from '../helpers/run-program.js';

const root = join(import.meta.dirname, '..', '..');

const served = useTestGateway();



/** A developer's machine: an empty HOME, and a PATH with node and the base system only. */
function machine(): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(join(tmpdir(), 'ccag-setup-home-'));
  return { home, env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, LANG: 'C.UTF-8' } };
}

test('GET /setup is a sh script that names the configured public URL, never the Host header', async () => {
  const res = await http(`${served.gw.url}/setup`, { headers: { host: 'attacker.example' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/x-shellscript; charset=utf-8');
  assert.ok(res.body.startsWith('#!/bin/sh\n'));
  assert.ok(res.body.includes(`gateway='${served.gw.url}'\n`), 'the public URL, shell-quoted');
  assert.ok(res.body.includes(`version='${version}'\n`));
  assert.equal(res.body.includes('attacker.example'), false);
  assert.equal(res.body.includes('__CCAG_'), false, 'every placeholder filled');

  const ps1 = await http(`${served.gw.url}/setup.ps1`, { headers: { host: 'attacker.example' } });
  assert.equal(ps1.status, 200);
  assert.match(ps1.headers['content-type'] as string, /^text\/plain/);
  assert.ok(ps1.body.includes(`$Gateway = '${served.gw.url}'`));
  assert.ok(ps1.body.includes(`irm ${served.gw.url}/setup.ps1 | iex`));
  assert.equal(ps1.body.includes('attacker.example'), false);
  assert.equal(ps1.body.includes('__CCAG_'), false);
});

test('the public URL is one safely quoted word in both scripts', () => {
  const url = "https://gw.example.com/it's $(touch /tmp/pwned) `id`";
  const sh = renderSetupScript(readFileSync(join(root, 'templates', 'setup.sh'), 'utf8'), url, '1.2.3');
  const line = sh.split('\n').find((l) => l.startsWith('gateway='))!;
  assert.equal(execFileSync('sh', ['-c', `${line}\nprintf %s "$gateway"`], { encoding: 'utf8' }), url);
  execFileSync('sh', ['-n', '-c', sh]); // still parses
  const ps1 = renderSetupScript(readFileSync(join(root, 'templates', 'setup.ps1'), 'utf8'), url, '1.2.3');
  assert.ok(ps1.includes(`$Gateway = 'https://gw.example.com/it''s $(touch /tmp/pwned) \`id\`'`));
});

test('the scripts ask for the Node.js version package.json requires', () => {
  const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string;
  const min = engines.replace(/^>=\s*/, '');
  assert.match(readFileSync(join(root, 'templates', 'setup.sh'), 'utf8'), new RegExp(`^node_min=${min.replaceAll('.', '\\.')} `, 'm'));
  assert.ok(readFileSync(join(root, 'templates', 'setup.ps1'), 'utf8').includes(`$NodeMin = [version] '${min}'`));
});

test('GET /setup/ccag.tgz serves the CLI bundle of this version, with an ETag', async () => {
  const res = await fetch(`${served.gw.url}/setup/ccag.tgz`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/gzip');
  const etag = res.headers.get('etag')!;
  assert.ok(etag.includes(version));
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(body, readFileSync(join(root, 'dist', 'setup', 'ccag.tgz')));
  const listing = execFileSync('tar', ['-tzf', '-'], { input: body, encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(listing, ['package/bin/ccag', 'package/dist/ccag.mjs', 'package/package.json']);
  const again = await fetch(`${served.gw.url}/setup/ccag.tgz`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

test('curl URL/setup | sh installs a ccag that talks to the gateway, and runs ccag connect with the given arguments', async () => {
  const { home, env } = machine();
  const script = (await http(`${served.gw.url}/setup`)).body as string;
  const installed = await runProgram('sh', ['-s'], { ...env, CCAG_SETUP_NO_CONNECT: '1' }, script);
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stderr, new RegExp(`installed ccag ${version} in ${home}/\\.local/share/ccag/cli`));
  assert.match(installed.stderr, /\.local\/bin is not on your PATH/);
  const bin = join(home, '.local', 'bin', 'ccag');
  assert.ok(statSync(bin).mode & 0o100);

  const ccag = (args: string[], extra: Record<string, string> = {}, stdin = '') => runProgram(bin, args, { ...env, ...extra }, stdin);
  assert.equal((await ccag(['--version'])).stdout.trim(), version);
  const help = await ccag(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: ccag /);
  assert.match((await ccag(['completion', 'bash'])).stdout, /^# bash completion for ccag/);
  const status = await ccag(['status', '--gateway', served.gw.url, '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).version, version);

  // No keychain addon in the bundle: the session goes to a 0600 file, with a warning.
  const login = await ccag(['login', served.gw.url, '--username', 'admin', '--password-stdin'], {}, adminPassword);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /warning: no OS keychain reachable; credentials are kept in .*credentials\.json \(mode 0600\)/);
  assert.equal(statSync(join(home, '.config', 'ccag', 'credentials.json')).mode & 0o777, 0o600);
  const teams = await ccag(['teams', 'create', 'from-the-bundle', '--json']);
  assert.equal(teams.code, 0, teams.stderr);

  const serve = await ccag(['serve']);
  assert.equal(serve.code, 1);
  assert.equal(serve.stderr, 'error: this ccag was installed from a gateway and has no server; install the npm package to run one\n');

  // Again, as an upgrade, this time going on to `ccag connect URL ARGS…`.
  const key = (await http(`${served.gw.url}/admin/v1/keys`, { method: 'POST', token: await adminToken(served.gw.url), body: { name: 'setup' } })).body.key;
  const connected = await runProgram('sh', ['-s', '--', '--key', key, '--dry-run'], env, script);
  assert.equal(connected.code, 0, connected.stderr);
  const dest = join(home, '.local', 'share', 'ccag', 'cli');
  assert.ok(connected.stdout.includes(join(home, '.claude', 'settings.json')), connected.stdout);
  assert.ok(connected.stdout.includes(join(dest, 'bin', 'ccag')), `apiKeyHelper runs the installed ccag: ${connected.stdout}`);
  assert.deepEqual(readdirSync(dirname(dest)).sort(), ['cli'], 'no staging or old copies left behind');
});

test('CCAG_INSTALL_BIN and XDG_DATA_HOME choose where it goes; an old Node is refused with a clear message', async () => {
  const { home, env } = machine();
  const script = (await http(`${served.gw.url}/setup`)).body as string;
  const bin = join(home, 'my bin');
  const data = join(home, "it's data");
  const installed = await runProgram('sh', ['-s'], { ...env, PATH: `${bin}:${env.PATH}`, CCAG_INSTALL_BIN: bin, XDG_DATA_HOME: data, CCAG_SETUP_NO_CONNECT: '1' }, script);
  assert.equal(installed.code, 0, installed.stderr);
  assert.equal(installed.stderr.includes('not on your PATH'), false);
  assert.ok(existsSync(join(data, 'ccag', 'cli', 'dist', 'ccag.mjs')));
  assert.equal((await runProgram(join(bin, 'ccag'), ['--version'], env)).stdout.trim(), version);

  const fakeNode = mkdtempSync(join(tmpdir(), 'ccag-old-node-'));
  execFileSync('sh', ['-c', `printf '#!/bin/sh\\nexit 1\\n' > "$1/node" && chmod 755 "$1/node"`, 'sh', fakeNode]);
  const old = await runProgram('sh', ['-s'], { ...env, PATH: `${fakeNode}:/usr/bin:/bin`, CCAG_SETUP_NO_CONNECT: '1' }, script);
  assert.equal(old.code, 1);
  assert.match(old.stderr, /Node\.js 20\.18\.1 or newer is needed/);
});

test('the Claude Code managed-settings template points at the gateway through ccag token', () => {
  const settings = JSON.parse(readFileSync(join(root, 'templates', 'claude-managed-settings.json'), 'utf8'));
  assert.equal(settings.apiKeyHelper, 'ccag token');
  assert.deepEqual(settings.env, {
    ANTHROPIC_BASE_URL: 'https://ccag.example.com',
    CLAUDE_CODE_API_KEY_HELPER_TTL_MS: '450000',
    CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1',
  });
});
