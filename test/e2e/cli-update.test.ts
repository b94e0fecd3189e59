import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { version } from '../../src/server/version.js';
import { ccag } from '../helpers/cli.js';
import { useTestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/serve.js';
import { runProgram } from '../helpers/run-program.js';

/** A loopback HTTP server answering every GET with what `answer` returns for its path. */
async function jsonServer(answer: (path: string) => { status: number; body: unknown }): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url!);
    const { status, body } = answer(req.url!);
    if (typeof body === 'string') res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, paths, server };
}


/** An npm registry's packument for ccag (GET /ccag), its latest version settable. */
let latest = version;
const packument = () => ({
  name: 'ccag',
  description: 'Claude Code gateway',
  'dist-tags': { latest },
  versions: Object.fromEntries([version, latest].map((v) => [v, { name: 'ccag', version: v, dist: { tarball: `http://registry.invalid/ccag/-/ccag-${v}.tgz` } }])),
});

/**
 * A fake `npm` first on PATH: it records its arguments, answers `npm root -g` with a folder
 * holding an installed ccag with a CHANGELOG.md, and `npm config get registry` with FAKE_NPM_REGISTRY.
 */
function fakeNpm(): { bin: string; log: string; root: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-fake-npm-'));
  const bin = join(dir, 'bin');
  const root = join(dir, 'lib', 'node_modules');
  mkdirSync(bin);
  mkdirSync(join(root, 'ccag'), { recursive: true });
  const log = join(dir, 'npm.log');
  writeFileSync(
    join(bin, 'npm'),
    `#!/bin/sh
printf '%s\\n' "$*" >> '${log}'
case "$1" in
  root) echo '${root}' ;;
  config) echo "$FAKE_NPM_REGISTRY" ;;
  install) echo "added 1 package"; exit "\${FAKE_NPM_EXIT:-0}" ;;
esac
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  writeFileSync(
    join(root, 'ccag', 'CHANGELOG.md'),
    `# Changelog\n\n## 99.2.0\n\n- not installed\n\n## 99.1.0\n\n- budgets per model\n\n## [99.0.0] - 2027-01-01\n\n- workers\n\n## ${version}\n\n- the version already installed\n`,
  );
  return { bin, log, root, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('ccag update', () => {
  let registry: Awaited<ReturnType<typeof jsonServer>>;
  const npm = fakeNpm();
  const env = (extra: Record<string, string | undefined> = {}) => ({
    NPM_CONFIG_REGISTRY: registry.url,
    npm_config_registry: undefined,
    PATH: `${npm.bin}${delimiter}${process.env.PATH}`,
    ...extra,
  });

  before(async () => {
    registry = await jsonServer((path) => (path === '/ccag' ? { status: 200, body: packument() } : { status: 404, body: { error: 'Not found' } }));
  });
  after(() => registry.server.close());

  test('--check when up to date: exit 0, says so, installs nothing', async () => {
    latest = version;
    const text = await ccag(['update', '--check'], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`ccag ${version.replaceAll('.', '\\.')} is up to date`));
    const json = await ccag(['update', '--check', '--json'], { env: env() });
    assert.deepEqual(JSON.parse(json.stdout), { current: version, latest: version, update_available: false, source: registry.url });
    // Plain `update` when up to date installs nothing either.
    assert.equal((await ccag(['update'], { env: env() })).code, 0);
    assert.deepEqual(npm.calls(), []);
    assert.ok(registry.paths.every((p) => p === '/ccag'));
  });

  test('--check when a newer version is published: exit 0, names it, installs nothing', async () => {
    latest = '99.1.0';
    const text = await ccag(['update', '--check'], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /ccag 99\.1\.0 is available/);
    const json = await ccag(['update', '--check', '--json'], { env: env() });
    assert.deepEqual(JSON.parse(json.stdout), { current: version, latest: '99.1.0', update_available: true, source: registry.url });
    assert.deepEqual(npm.calls(), []);
  });

  test('the registry comes from `npm config get registry` when NPM_CONFIG_REGISTRY is unset', async () => {
    latest = '99.1.0';
    const res = await ccag(['update', '--check', '--json'], { env: env({ NPM_CONFIG_REGISTRY: undefined, FAKE_NPM_REGISTRY: `${registry.url}/` }) });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).latest, '99.1.0');
    assert.deepEqual(npm.calls().splice(-1), ['config get registry']);
  });

  test('a registry that cannot be reached: exit 1 with one line naming it', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const res = await ccag(['update', '--check'], { env: env({ NPM_CONFIG_REGISTRY: down }) });
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`^error: cannot reach the npm registry at ${down}/ccag \\(ECONNREFUSED\\)\\n$`));
  });

  test('update installs the newest version with npm install -g and prints the changelog since this version', async () => {
    latest = '99.1.0';
    const before = npm.calls().length;
    const res = await ccag(['update'], { env: env() });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(npm.calls().slice(before), ['install -g ccag@99.1.0', 'root -g']);
    assert.match(res.stdout, new RegExp(`Installed ccag 99\\.1\\.0 \\(was ${version.replaceAll('.', '\\.')}\\)`));
    assert.match(res.stdout, /budgets per model/);
    assert.match(res.stdout, /workers/);
    assert.doesNotMatch(res.stdout, /not installed|the version already installed/);
    // npm's own output goes to stderr, so stdout stays clean for --json.
    assert.match(res.stderr, /added 1 package/);
  });

  test('a failing npm install: exit 1 naming the command', async () => {
    latest = '99.1.0';
    const res = await ccag(['update', '--json'], { env: env({ FAKE_NPM_EXIT: '3' }) });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /npm install -g ccag@99\.1\.0 failed \(exit code 3\)/);
  });

  describe('--match-gateway', () => {
    const gateway = useTestGateway('pglite');

    test('a gateway running this version: up to date, nothing installed', async () => {
      const before = npm.calls().length;
      const res = await ccag(['update', '--match-gateway', '--gateway', gateway.gw.url, '--json'], { env: env() });
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout), { current: version, latest: version, update_available: false, source: gateway.gw.url });
      assert.equal(npm.calls().length, before);
    });

    test('a gateway running another version (even an older one): installs that version', async () => {
      const older = await jsonServer((path) => (path === '/.well-known/ccag.json' ? { status: 200, body: { name: 'ccag', version: '0.0.9' } } : { status: 404, body: {} }));
      try {
        const before = npm.calls().length;
        const res = await ccag(['update', '--match-gateway', '--gateway', older.url], { env: env() });
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual(npm.calls().slice(before, before + 1), ['install -g ccag@0.0.9']);
        assert.match(res.stdout, /Installed ccag 0\.0\.9/);
      } finally {
        older.server.close();
      }
    });

    test('a ccag installed from a gateway\'s /setup follows that gateway, and updates by re-running its setup script', async () => {
      // Installed the way developers get it: curl URL/setup | sh, into a chosen data folder.
      const home = mkdtempSync(join(tmpdir(), 'ccag-update-home-'));
      const data = join(home, 'data');
      const machine = { HOME: home, PATH: `${npm.bin}${delimiter}${dirname(process.execPath)}:/usr/bin:/bin`, XDG_DATA_HOME: data, CCAG_INSTALL_BIN: join(home, 'bin') };
      const script = await (await request(`${gateway.gw.url}/setup`)).body.text();
      const installed = await runProgram('sh', ['-s'], { ...machine, CCAG_SETUP_NO_CONNECT: '1' }, script);
      assert.equal(installed.code, 0, installed.stderr);
      const bundled = (args: string[]) => runProgram(join(home, 'bin', 'ccag'), args, machine);

      const check = await bundled(['update', '--check', '--json', '--gateway', gateway.gw.url]);
      assert.equal(check.code, 0, check.stderr);
      assert.deepEqual(JSON.parse(check.stdout), { current: version, latest: version, update_available: false, source: gateway.gw.url });

      // A gateway on another version: its setup script runs (install only, into the same folder); npm does not.
      const marker = join(home, 'setup-ran');
      const other = await jsonServer((path) =>
        path === '/.well-known/ccag.json'
          ? { status: 200, body: { name: 'ccag', version: '99.3.0' } }
          : { status: 200, body: `x\nprintf '%s %s' "$CCAG_SETUP_NO_CONNECT" "$XDG_DATA_HOME" > '${marker}'\n` },
      );
      try {
        const before = npm.calls().length;
        const updated = await bundled(['update', '--gateway', other.url]);
        assert.equal(updated.code, 0, updated.stderr);
        assert.ok(other.paths.includes('/setup'));
        assert.equal(readFileSync(marker, 'utf8'), `1 ${data}`);
        assert.equal(npm.calls().length, before);
        assert.match(updated.stdout, /Installed ccag 99\.3\.0/);
      } finally {
        other.server.close();
      }
    });
  });
});
