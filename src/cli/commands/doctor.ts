import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import chalk from 'chalk';
import { Command } from 'commander';
import { request } from 'undici';
import type { WellKnown } from '../../api/schemas.js';
import { isLoopback } from '../../server/config.js';
import { action } from '../action.js';
import { readSettings, settingsConflicts, settingsFiles, shellEnvConflicts, type Json, type SettingsFile } from '../claude-settings.js';
import type { CommandContext } from '../context.js';
import { credentialStoreKind } from '../credentials.js';
import { connectCredential } from '../token-store.js';
import { configDir } from '../profiles.js';

/**
 * `ccag doctor`: why Claude Code on this machine does not reach the gateway. Read-only, no
 * prompts, no sign-in: settings files, shell variables, the credential store, the gateway's
 * reachability, TLS certificate and clock, and the credential `ccag token` prints.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it; null when there is nothing to do. */
  hint: string | null;
}

const requestTimeoutMs = 5_000;
/** Gateway tokens are time-bound: a clock this far off makes them look expired or not yet valid. */
const skewWarnMs = 30_000;
const skewFailMs = 5 * 60_000;
const certWarnDays = 14;

const result = (check: string, status: CheckStatus, detail: string, hint: string | null = null): Check => ({ check, status, detail, hint });
const errorText = (err: unknown) => (err as { code?: string }).code ?? (err as Error).message;

interface ReadFile {
  file: SettingsFile;
  settings: Json;
}

/** The settings files that exist, and a failed check for each one Claude Code could not read either. */
function readSettingsFiles(files: SettingsFile[]): { read: ReadFile[]; checks: Check[] } {
  const read: ReadFile[] = [];
  const checks: Check[] = [];
  for (const file of files.filter((f) => existsSync(f.path))) {
    try {
      read.push({ file, settings: readSettings(file.path) });
    } catch (err) {
      checks.push(result('settings', 'fail', `${file.path}: ${(err as Error).message}`, `fix the JSON in ${file.path}`));
    }
  }
  return { read, checks };
}

/** Which file (highest precedence first) sets the gateway URL and the helper, and whether they match the profile. */
function gatewaySettingsCheck(read: ReadFile[], gatewayUrl: string | undefined): Check {
  const connect = `ccag connect${gatewayUrl ? ` ${gatewayUrl}` : ''}`;
  const baseUrl = read.find((r) => typeof r.settings.env?.ANTHROPIC_BASE_URL === 'string');
  const helper = read.find((r) => typeof r.settings.apiKeyHelper === 'string');
  const shellBaseUrl = process.env.ANTHROPIC_BASE_URL;
  const url: string | undefined = baseUrl?.settings.env.ANTHROPIC_BASE_URL ?? shellBaseUrl;
  if (!url) return result('settings', 'fail', 'no settings file sets ANTHROPIC_BASE_URL: Claude Code does not use a gateway', `run \`${connect}\``);
  const urlSource = baseUrl ? baseUrl.file.path : 'the shell environment';
  if (!helper) return result('settings', 'fail', `ANTHROPIC_BASE_URL is ${url} (${urlSource}), but no settings file sets apiKeyHelper`, `run \`${connect}\``);
  const detail = `ANTHROPIC_BASE_URL is ${url} (${urlSource}); apiKeyHelper is set in ${helper.file.path}`;
  if (gatewayUrl && url.replace(/\/+$/, '') !== gatewayUrl) return result('settings', 'warn', `${detail}; the profile's gateway is ${gatewayUrl}`, `run \`${connect}\`, or pick the profile with --profile`);
  return result('settings', 'ok', detail);
}

/** One failed check per settings file with conflicts, naming the file; one ok check when there are none. */
function conflictChecks(read: ReadFile[]): Check[] {
  const checks: Check[] = [];
  for (const { file, settings } of read) {
    let conflicts: string[];
    try {
      conflicts = settingsConflicts(settings);
    } catch (err) {
      checks.push(result('conflicts', 'fail', `${file.path}: ${(err as Error).message}`, `fix ${file.path}`));
      continue;
    }
    if (!conflicts.length) continue;
    const hint =
      file.level === 'managed'
        ? 'these are managed settings: ask your administrator to remove them'
        : `remove them from ${file.path}${file.level === 'project' ? '' : ' (`ccag connect` does this for the file it writes)'}`;
    checks.push(result('conflicts', 'fail', `${file.path}: ${conflicts.join(', ')}`, hint));
  }
  if (!checks.length) checks.push(result('conflicts', 'ok', read.length ? `none in ${read.map((r) => r.file.path).join(', ')}` : 'no settings files'));
  return checks;
}

function shellEnvCheck(): Check {
  const names = shellEnvConflicts(process.env);
  if (!names.length) return result('shell-env', 'ok', 'no variable outranks the gateway settings');
  return result('shell-env', 'fail', `set in the shell: ${names.join(', ')}`, `unset ${names.join(' ')} (and take them out of your shell profile): they outrank the gateway's settings`);
}

async function credentialStoreCheck(): Promise<Check> {
  try {
    if ((await credentialStoreKind()) === 'keychain') return result('credential-store', 'ok', 'OS keychain');
  } catch (err) {
    return result('credential-store', 'fail', (err as Error).message, 'start the OS keychain service, or unset CCAG_CREDENTIAL_STORE');
  }
  const file = join(configDir(), 'credentials.json');
  if (process.env.CCAG_CREDENTIAL_STORE === 'file') return result('credential-store', 'ok', `file ${file} (CCAG_CREDENTIAL_STORE=file)`);
  return result('credential-store', 'warn', `no OS keychain reachable: credentials are in ${file} (mode 0600)`, 'unlock or start the OS keychain (Secret Service on Linux), or set CCAG_CREDENTIAL_STORE=file to choose the file');
}

/** What `ccag token` prints for Claude Code: a stored key, or an access token (refreshed if due). */
async function tokenCheck(profile: string, url: string): Promise<Check> {
  try {
    await connectCredential(profile, url);
    return result('token', 'ok', `\`ccag token\` gives a credential for ${url} (profile "${profile}")`);
  } catch (err) {
    return result('token', 'fail', `\`ccag token\` fails: ${(err as Error).message}`, `run \`ccag connect ${url}\``);
  }
}

/** /health and /.well-known/ccag.json, and the clock compared with the gateway's Date header. */
async function gatewayChecks(url: string): Promise<Check[]> {
  const started = Date.now();
  let health;
  try {
    health = await request(`${url}/health`, { signal: AbortSignal.timeout(requestTimeoutMs) });
    await health.body.dump();
  } catch (err) {
    return [result('gateway', 'fail', `cannot reach ${url}/health (${errorText(err)})`, 'check the URL, your network, VPN or proxy; `ccag doctor --gateway URL` checks another')];
  }
  const latencyMs = Date.now() - started;
  const checks: Check[] = [];
  if (health.statusCode !== 200) checks.push(result('gateway', 'fail', `GET ${url}/health answered ${health.statusCode}`, 'the gateway is not healthy: tell its administrator'));
  else {
    let version: string | undefined;
    try {
      const res = await request(`${url}/.well-known/ccag.json`, { signal: AbortSignal.timeout(requestTimeoutMs) });
      version = res.statusCode === 200 ? ((await res.body.json()) as WellKnown).version : (await res.body.dump(), undefined);
    } catch {
      // reported below
    }
    checks.push(
      version
        ? result('gateway', 'ok', `${url} answered in ${latencyMs} ms, ccag ${version}`)
        : result('gateway', 'warn', `${url} answered /health in ${latencyMs} ms, but not /.well-known/ccag.json`, 'is this URL a ccag gateway? check it with the administrator'),
    );
  }
  checks.push(clockCheck(health.headers.date, started + latencyMs / 2));
  return checks;
}

function clockCheck(dateHeader: string | string[] | undefined, localMs: number): Check {
  const gatewayMs = typeof dateHeader === 'string' ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(gatewayMs)) return result('clock', 'warn', 'the gateway sent no Date header to compare with', null);
  // The header has whole seconds: its true time lies within the next second.
  const skew = localMs - (gatewayMs + 500);
  const seconds = Math.round(Math.abs(skew) / 1000);
  const detail = `this clock is ${seconds} s ${skew >= 0 ? 'ahead of' : 'behind'} the gateway's`;
  const hint = 'sync the clock (NTP): gateway tokens are valid for a limited time';
  if (Math.abs(skew) > skewFailMs) return result('clock', 'fail', detail, hint);
  if (Math.abs(skew) > skewWarnMs) return result('clock', 'warn', detail, hint);
  return result('clock', 'ok', detail);
}

/** https: the certificate as Claude Code would judge it; http: fine on loopback only. Undefined when no connection is made. */
async function tlsCheck(url: URL): Promise<Check | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'http:') {
    if (isLoopback(host)) return result('tls', 'ok', 'plain HTTP on this machine (loopback)');
    return result('tls', 'warn', `plain HTTP to ${host}: credentials and prompts travel unencrypted`, 'use the gateway\'s https:// URL');
  }
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
    socket.setTimeout(requestTimeoutMs, () => {
      socket.destroy();
      resolve(undefined);
    });
    // A connection error is the gateway check's to report.
    socket.once('error', () => resolve(undefined));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000);
      if (!socket.authorized) {
        const reason = String(socket.authorizationError);
        const hint = /EXPIRED/.test(reason) ? 'the certificate has expired: tell the gateway\'s administrator' : 'if your company has its own CA, set NODE_EXTRA_CA_CERTS to its PEM file (Claude Code reads it too)';
        return resolve(result('tls', 'fail', `the certificate of ${host} is not valid: ${reason}`, hint));
      }
      if (days < certWarnDays) return resolve(result('tls', 'warn', `the certificate of ${host} expires in ${days} days (${cert.valid_to})`, 'tell the gateway\'s administrator to renew it'));
      resolve(result('tls', 'ok', `certificate valid for ${days} more days (until ${cert.valid_to})`));
    });
  });
}

/** The gateway to check: --gateway, CCAG_URL or the profile's; else the one the settings point at. */
function resolveGatewayUrl(ctx: CommandContext, read: ReadFile[]): string | undefined {
  try {
    return ctx.gatewayUrl();
  } catch {
    const fromSettings = read.map((r) => r.settings.env?.ANTHROPIC_BASE_URL).find((u) => typeof u === 'string') as string | undefined;
    return fromSettings?.replace(/\/+$/, '');
  }
}

export async function runChecks(ctx: CommandContext): Promise<Check[]> {
  const { read, checks } = readSettingsFiles(settingsFiles());
  const url = resolveGatewayUrl(ctx, read);
  checks.push(gatewaySettingsCheck(read, url), ...conflictChecks(read), shellEnvCheck(), await credentialStoreCheck());
  if (!url) return [...checks, result('gateway', 'fail', 'no gateway URL: no profile, --gateway, CCAG_URL or settings name one', 'run `ccag connect https://gw.example.com`')];
  const [gateway, tls, token] = await Promise.all([gatewayChecks(url), tlsCheck(new URL(url)), tokenCheck(ctx.profile, url)]);
  return [...checks, gateway[0]!, ...(tls ? [tls] : []), ...gateway.slice(1), token];
}

const statusColour: Record<CheckStatus, (s: string) => string> = { ok: chalk.green, warn: chalk.yellow, fail: chalk.red };

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check this machine: Claude Code settings and conflicts, credential store, gateway reachability, TLS, clock, token')
    .action(
      action(async (ctx) => {
        const checks = await runChecks(ctx);
        ctx.out.list(
          checks,
          [
            { header: 'CHECK', value: (c) => c.check },
            { header: 'STATUS', value: (c) => (process.stdout.isTTY ? statusColour[c.status](c.status) : c.status) },
            { header: 'DETAIL', value: (c) => c.detail },
            { header: 'HINT', value: (c) => c.hint },
          ],
          (c) => `${c.check}\t${c.status}`,
        );
        if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
      }),
    );
}
