import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { request } from 'undici';
import type { WellKnown } from '../../api/schemas.js';
import { version as current } from '../../server/version.js';
import { action } from '../action.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { confirmed } from '../prompt.js';

/** The installed package: its folder (package.json, CHANGELOG.md) and its name on the registry. */
const packageDir = fileURLToPath(new URL('../../../', import.meta.url));
const packageName = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }).name;
/**
 * The CLI bundle a gateway serves at /setup/ccag.tgz (scripts/build-cli-bundle.mjs) is one
 * file, dist/ccag.mjs; the npm package has none. A bundle came from a gateway and is updated
 * the way it was installed: by the gateway's setup script, to the gateway's version.
 */
const fromGatewayBundle = existsSync(join(packageDir, 'dist', 'ccag.mjs'));
const defaultRegistry = 'https://registry.npmjs.org';

interface Target {
  version: string;
  /** Where the version comes from: the npm registry's URL or the gateway's. */
  source: string;
  kind: 'registry' | 'gateway';
}

export function updateCommand(): Command {
  return new Command('update')
    .description('is a newer ccag published? install it (npm install -g, or the gateway\'s setup script if ccag came from there)')
    .option('--check', 'only report: current and latest version (exit 0 either way; --json: update_available)')
    .option('--match-gateway', 'the version of the gateway the profile points at, rather than the newest published one')
    .action(
      action<{ check?: boolean; matchGateway?: boolean }>(async (ctx, _args, options) => {
        const target = options.matchGateway || fromGatewayBundle ? await gatewayVersion(ctx.gatewayUrl()) : await registryVersion();
        // Matching a gateway can mean going back; the registry only ever moves ccag forward.
        const available = target.kind === 'gateway' ? target.version !== current : compareVersions(target.version, current) > 0;
        const report = { current, latest: target.version, update_available: available, source: target.source };
        if (options.check || !available) {
          if (ctx.out.mode === 'json') return ctx.out.json(report);
          process.stdout.write(
            available ? `ccag ${target.version} is available (${target.source}); this is ${current}. Install it: ccag update${options.matchGateway ? ' --match-gateway' : ''}\n` : `ccag ${current} is up to date (${target.source} has ${target.version})\n`,
          );
          return;
        }
        if (!(await confirmed(`Install ccag ${target.version} (now ${current})?`, Boolean(ctx.options.yes)))) throw new CliError('cancelled');
        const installedIn = fromGatewayBundle ? await runSetupScript(ctx) : await npmInstall(target.version);
        const notes = changes(installedIn, current, target.version);
        if (ctx.out.mode === 'json') return ctx.out.json({ ...report, installed: target.version, changes: notes ?? null });
        process.stdout.write(`Installed ccag ${target.version} (was ${current}).\n`);
        if (notes) process.stdout.write(`\nWhat changed:\n\n${notes}\n`);
        else if (notes === undefined) process.stdout.write(`ccag ${target.version} ships no CHANGELOG.md to say what changed.\n`);
      }),
    );
}

async function getJson(url: string, what: string): Promise<{ status: number; body: any }> {
  try {
    const res = await request(url, { headers: { accept: 'application/json' }, headersTimeout: 15_000, bodyTimeout: 30_000 });
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body };
  } catch (err) {
    throw new CliError(`cannot reach ${what} at ${url} (${(err as { code?: string }).code ?? (err as Error).message})`);
  }
}

async function gatewayVersion(gateway: string): Promise<Target> {
  const { status, body } = await getJson(`${gateway}/.well-known/ccag.json`, 'the gateway');
  const version = (body as WellKnown | undefined)?.version;
  if (status !== 200 || typeof version !== 'string') throw new CliError(`${gateway} did not say which version it runs (GET /.well-known/ccag.json answered ${status})`);
  return { version, source: gateway, kind: 'gateway' };
}

/** The registry npm itself uses: NPM_CONFIG_REGISTRY, else `npm config get registry`, else npmjs.org. */
async function registryUrl(): Promise<string> {
  const fromEnv = process.env.NPM_CONFIG_REGISTRY || process.env.npm_config_registry;
  if (fromEnv) return fromEnv.replace(/\/+$/, '');
  const configured = await run('npm', ['config', 'get', 'registry'], 'pipe').catch(() => undefined);
  const url = configured?.code === 0 ? configured.stdout.trim() : '';
  return (/^https?:\/\//.test(url) ? url : defaultRegistry).replace(/\/+$/, '');
}

async function registryVersion(): Promise<Target> {
  const registry = await registryUrl();
  // Scoped names keep their @ and encode the slash, as npm asks for them.
  const url = `${registry}/${packageName.replace('/', '%2F')}`;
  const { status, body } = await getJson(url, 'the npm registry');
  if (status === 404) throw new CliError(`${packageName} is not published on ${registry}`);
  const latest = body?.['dist-tags']?.latest;
  if (status !== 200 || typeof latest !== 'string') throw new CliError(`the npm registry at ${registry} answered ${status} without a latest version of ${packageName}`);
  return { version: latest, source: registry, kind: 'registry' };
}

/** `npm install -g ccag@<version>`; resolves to the folder the package is now in. */
async function npmInstall(version: string): Promise<string | undefined> {
  const args = ['install', '-g', `${packageName}@${version}`];
  process.stderr.write(`Running: npm ${args.join(' ')}\n`);
  const install = await run('npm', args, 'inherit');
  if (install.code !== 0) throw new CliError(`npm ${args.join(' ')} failed (exit code ${install.code}); nothing was changed by ccag`);
  const root = await run('npm', ['root', '-g'], 'pipe').catch(() => undefined);
  return root?.code === 0 ? join(root.stdout.trim(), packageName) : undefined;
}

/** Re-runs the gateway's /setup script without `ccag connect`, into the folder this ccag is in. */
async function runSetupScript(ctx: CommandContext): Promise<string> {
  const gateway = ctx.gatewayUrl();
  if (process.platform === 'win32') throw new CliError(`update this ccag the way it was installed: irm ${gateway}/setup.ps1 | iex`);
  const { status, script } = await fetchText(`${gateway}/setup`);
  if (status !== 200) throw new CliError(`${gateway}/setup answered ${status}; cannot update from the gateway`);
  const dir = mkdtempSync(join(tmpdir(), 'ccag-update-'));
  try {
    const file = join(dir, 'setup.sh');
    writeFileSync(file, script, { mode: 0o600 });
    // setup.sh installs into $XDG_DATA_HOME/ccag/cli: point it at the folder this ccag runs from.
    const env: NodeJS.ProcessEnv = { CCAG_SETUP_NO_CONNECT: '1' };
    if (basename(packageDir.replace(/\/+$/, '')) === 'cli' && basename(dirname(packageDir.replace(/\/+$/, ''))) === 'ccag') {
      env.XDG_DATA_HOME = dirname(dirname(packageDir.replace(/\/+$/, '')));
    }
    const setup = await run('sh', [file], 'inherit', env);
    if (setup.code !== 0) throw new CliError(`the gateway's setup script failed (exit code ${setup.code})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return packageDir;
}

async function fetchText(url: string): Promise<{ status: number; script: string }> {
  try {
    const res = await request(url, { headersTimeout: 15_000 });
    return { status: res.statusCode, script: await res.body.text() };
  } catch (err) {
    throw new CliError(`cannot reach the gateway at ${url} (${(err as { code?: string }).code ?? (err as Error).message})`);
  }
}

/** Runs a program; 'inherit' shows its output on stderr (stdout stays ccag's, for --json). */
function run(command: string, args: string[], output: 'pipe' | 'inherit', env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', output === 'pipe' ? 'pipe' : 2, output === 'pipe' ? 'ignore' : 2],
      // npm is npm.cmd on Windows.
      shell: process.platform === 'win32',
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d));
    child.on('error', (err) => reject(new CliError(`cannot run ${command}: ${err.message}`)));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** The CHANGELOG.md sections of the versions after `from` up to `to` ('' for none); undefined without a CHANGELOG.md. */
export function changes(dir: string | undefined, from: string, to: string): string | undefined {
  const file = dir && join(dir, 'CHANGELOG.md');
  if (!file || !existsSync(file)) return undefined;
  const sections = readFileSync(file, 'utf8').split(/^(?=## )/m);
  const picked = sections.filter((section) => {
    const version = /^## \[?v?(\d+\.\d+\.\d+[^\]\s]*)/.exec(section)?.[1];
    return version !== undefined && compareVersions(version, from) > 0 && compareVersions(version, to) <= 0;
  });
  return picked.join('').trim();
}

/** Semantic versions compared: major.minor.patch, then a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.replace(/^v/, '').split('+')[0]!.split(/-(.*)/s);
    return { nums: core.split('.').map((n) => Number(n) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if ((x.nums[i] ?? 0) !== (y.nums[i] ?? 0)) return (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre.localeCompare(y.pre, 'en', { numeric: true });
}
