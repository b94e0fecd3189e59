import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Claude Code's settings files, read, merged and written the way `ccag connect` needs:
 * keep everything the user has, set the gateway, and take out what would override it.
 */

export type SettingsScope = 'user' | 'project';
type Json = Record<string, any>;

/** Environment settings that would send Claude Code somewhere else than the gateway. */
export const conflictingEnv = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'AWS_BEARER_TOKEN_BEDROCK',
  'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
];

export function settingsPath(scope: SettingsScope, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return scope === 'user' ? join(env.HOME || homedir(), '.claude', 'settings.json') : join(cwd, '.claude', 'settings.local.json');
}

export function readSettings(path: string): Json {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (!text.trim()) return {};
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path} is not a JSON object`);
  return parsed as Json;
}

/** The settings with the gateway in: base URL and the helper that prints the credential. */
export function connectSettings(current: Json, gatewayUrl: string, apiKeyHelper: string): { settings: Json; removed: string[] } {
  const env: Json = { ...(current.env ?? {}) };
  const removed = conflictingEnv.filter((k) => k in env);
  for (const k of removed) delete env[k];
  env.ANTHROPIC_BASE_URL = gatewayUrl;
  return { settings: { ...current, apiKeyHelper, env }, removed };
}

/** The settings without what connect wrote (only if it is still what connect wrote). */
export function disconnectSettings(current: Json, gatewayUrl: string, apiKeyHelper: string): Json {
  const settings: Json = { ...current };
  if (settings.apiKeyHelper === apiKeyHelper) delete settings.apiKeyHelper;
  if (settings.env && typeof settings.env === 'object') {
    const env = { ...settings.env };
    if (env.ANTHROPIC_BASE_URL === gatewayUrl) delete env.ANTHROPIC_BASE_URL;
    if (Object.keys(env).length) settings.env = env;
    else delete settings.env;
  }
  return settings;
}

/** Writes atomically, after keeping a copy of the previous file beside it. Returns the backup's path. */
export function writeSettings(path: string, settings: Json): string | undefined {
  mkdirSync(dirname(path), { recursive: true });
  let backup: string | undefined;
  if (existsSync(path)) {
    backup = `${path}.ccag-backup`;
    copyFileSync(path, backup);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
  return backup;
}

/** A line-by-line view of what changes, for --dry-run. */
export function settingsDiff(before: Json, after: Json): string {
  const a = JSON.stringify(before, null, 2).split('\n');
  const b = JSON.stringify(after, null, 2).split('\n');
  const out: string[] = [];
  for (const line of a) if (!b.includes(line)) out.push(`- ${line}`);
  for (const line of b) if (!a.includes(line)) out.push(`+ ${line}`);
  return out.join('\n');
}
