import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { unifiedDiff } from './line-diff.js';

/**
 * Claude Code's settings files, read, merged and written the way `ccag connect` needs:
 * keep everything the user has, set the gateway, and take out what would override it.
 */

export type SettingsScope = 'user' | 'project';
export type Json = Record<string, any>;

/**
 * Environment settings that send Claude Code somewhere else than the gateway (Bedrock, Vertex,
 * Foundry, Anthropic), outrank its apiKeyHelper (protocols 3.4), or only mean something in
 * Bedrock mode. Connect always removes them.
 */
export const conflictingEnv = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'AWS_BEARER_TOKEN_BEDROCK',
  'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
  'ANTHROPIC_BEDROCK_REGION_PREFIX',
  'ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION',
];

/**
 * Removed only beside a truthy CLAUDE_CODE_USE_BEDROCK in the same env block: then they were
 * there for Bedrock mode. Otherwise they stay, since the env block also reaches the commands
 * Claude Code runs (the aws CLI, hooks).
 */
export const bedrockModeEnv = ['AWS_REGION', 'AWS_PROFILE'];

/** Model pins: removed when they name a model the gateway cannot serve. */
export const modelPinEnv = [
  'ANTHROPIC_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_DEFAULT_FABLE_MODEL',
  'ANTHROPIC_DEFAULT_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'CLAUDE_CODE_SUBAGENT_MODEL',
];

/** What connect writes into the env block; disconnect takes them out again. */
const baseUrlEnv = 'ANTHROPIC_BASE_URL';
const helperTtlEnv = 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS';
const discoveryEnv = 'CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY';

/** Claude Code's aliases, resolved by Claude Code itself (through the ANTHROPIC_DEFAULT_*_MODEL pins). */
const familyAliases = ['default', 'sonnet', 'opus', 'haiku', 'fable', 'opusplan'];

/** Set the way Claude Code reads a switch: 1, true, yes or on. */
export function isTruthy(value: unknown): boolean {
  return typeof value === 'string' && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** A Bedrock model id, inference profile id or ARN (`us.anthropic.…`, `global.anthropic.…`, `arn:aws:bedrock:…`). */
export function isBedrockModelId(model: string): boolean {
  return /^arn:/i.test(model.trim()) || /^([a-z]+(-[a-z]+)*\.)?anthropic\./i.test(model.trim());
}

const modelKey = (model: string) => model.trim().toLowerCase().replace(/\[1m\]$/, '');

/**
 * Whether a pinned model can go to the gateway: never a Bedrock id; a family alias, or one of
 * `servable` when given, by its id or its undated alias (`claude-sonnet-4-5` for `…-20250929`).
 */
function servable(model: string, servableModels: readonly string[] | undefined): boolean {
  if (isBedrockModelId(model)) return false;
  const key = modelKey(model);
  const undated = (id: string) => modelKey(id).replace(/-\d{8}$/, '');
  return !servableModels || familyAliases.includes(key) || servableModels.some((m) => modelKey(m) === key || undated(m) === key);
}

/** The env block of a settings object (a copy), refusing one that is not an object. */
function envBlock(settings: Json): Json {
  const env: unknown = settings.env ?? {};
  if (!env || typeof env !== 'object' || Array.isArray(env)) throw new Error('the "env" entry of the Claude Code settings is not an object');
  return { ...env };
}

/**
 * What in these settings keeps Claude Code from using the gateway, as `env.NAME` or `model`,
 * in file order: conflictingEnv, bedrockModeEnv beside Bedrock mode, and model pins (with the
 * `_NAME`/`_DESCRIPTION`/`_SUPPORTED_CAPABILITIES` companions of a removed
 * ANTHROPIC_DEFAULT_*_MODEL) that name a Bedrock id or, given `servableModels`, a model not in it.
 */
export function settingsConflicts(settings: Json, servableModels?: readonly string[]): string[] {
  const env = envBlock(settings);
  const unservable = (value: unknown) => typeof value === 'string' && !servable(value, servableModels);
  const pins = modelPinEnv.filter((k) => unservable(env[k]));
  const companions = pins.filter((k) => k.startsWith('ANTHROPIC_DEFAULT_')).flatMap((k) => ['_NAME', '_DESCRIPTION', '_SUPPORTED_CAPABILITIES'].map((s) => k + s));
  const drop = new Set([...conflictingEnv, ...(isTruthy(env.CLAUDE_CODE_USE_BEDROCK) ? bedrockModeEnv : []), ...pins, ...companions]);
  const found = new Set([...Object.keys(env).filter((k) => drop.has(k)).map((k) => `env.${k}`), ...(unservable(settings.model) ? ['model'] : [])]);
  return settingsPaths(settings).filter((p) => found.has(p));
}

/** Every top-level key and env entry of the settings as `key` / `env.NAME`, in file order. */
function settingsPaths(settings: Json): string[] {
  return Object.keys(settings).flatMap((k) => (k === 'env' ? Object.keys(envBlock(settings)).map((e) => `env.${e}`) : [k]));
}

/**
 * Variables of the user's shell that the settings connect writes cannot override: a provider
 * switch or a credential outranks apiKeyHelper (protocols 3.4), and a Bedrock model pin applies
 * once the settings stop setting one. Gateway keys connect sets (ANTHROPIC_BASE_URL) are not
 * listed: the settings' env block wins over the shell for them.
 */
export function shellEnvConflicts(env: NodeJS.ProcessEnv): string[] {
  const providers = ['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'].filter((k) => isTruthy(env[k]));
  const credentials = ['ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY'].filter((k) => env[k]);
  const pins = modelPinEnv.filter((k) => env[k] && isBedrockModelId(env[k]));
  return [...providers, ...credentials, ...pins];
}

export function settingsPath(scope: SettingsScope, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return scope === 'user' ? join(env.HOME || homedir(), '.claude', 'settings.json') : join(cwd, '.claude', 'settings.local.json');
}

/** Where administrators put managed settings on this OS (protocols 3.5); they outrank every other file. */
export function managedSettingsPath(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return '/Library/Application Support/ClaudeCode/managed-settings.json';
  if (platform === 'win32') return 'C:\\Program Files\\ClaudeCode\\managed-settings.json';
  return '/etc/claude-code/managed-settings.json';
}

export interface SettingsFile {
  level: 'managed' | 'local' | 'project' | 'user';
  path: string;
}

/** The settings files Claude Code reads, highest precedence first (in the home folder, its project file is the user file). */
export function settingsFiles(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SettingsFile[] {
  const files: SettingsFile[] = [
    { level: 'managed', path: managedSettingsPath() },
    { level: 'local', path: settingsPath('project', env, cwd) },
    { level: 'project', path: join(cwd, '.claude', 'settings.json') },
    { level: 'user', path: settingsPath('user', env, cwd) },
  ];
  return files.filter((f, i) => !files.slice(i + 1).some((later) => later.path === f.path));
}

export function readSettings(path: string): Json {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (!text.trim()) return {};
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path} is not a JSON object`);
  return parsed as Json;
}

export interface ConnectOptions {
  gatewayUrl: string;
  /** The command Claude Code runs for its credential. */
  apiKeyHelper: string;
  /** How long Claude Code caches the helper's output (CLAUDE_CODE_API_KEY_HELPER_TTL_MS). */
  helperTtlMs?: number;
  /** The models the gateway serves this user; without it only Bedrock ids count as unservable. */
  servableModels?: string[];
}

/**
 * The settings with the gateway in (base URL, helper, its cache time, model discovery) and the
 * conflicts out (settingsConflicts). Other keys stay as they were, in their order; new keys
 * go last. `removed` names, in file order, every setting whose value is gone: the conflicts,
 * and a base URL, helper or helper cache time that held another value.
 */
export function connectSettings(current: Json, opts: ConnectOptions): { settings: Json; removed: string[] } {
  const conflicts = settingsConflicts(current, opts.servableModels);
  const before = envBlock(current);
  const writes: Json = {
    [baseUrlEnv]: opts.gatewayUrl,
    ...(opts.helperTtlMs === undefined ? {} : { [helperTtlEnv]: String(opts.helperTtlMs) }),
    [discoveryEnv]: '1',
  };
  const env = { ...before };
  for (const path of conflicts) if (path.startsWith('env.')) delete env[path.slice(4)];
  Object.assign(env, writes);
  const settings: Json = { ...current };
  if (conflicts.includes('model')) delete settings.model;
  settings.apiKeyHelper = opts.apiKeyHelper;
  settings.env = env;
  const replaced = [
    ...Object.keys(writes).filter((k) => k in before && before[k] !== writes[k]).map((k) => `env.${k}`),
    ...('apiKeyHelper' in current && current.apiKeyHelper !== opts.apiKeyHelper ? ['apiKeyHelper'] : []),
  ];
  const lost = new Set([...conflicts, ...replaced]);
  return { settings, removed: settingsPaths(current).filter((p) => lost.has(p)) };
}

/**
 * The settings without what connect wrote, where it is still what connect wrote: the helper
 * (and its cache time) when it is this helper, the base URL (and model discovery) when it is
 * this gateway. What connect removed stays removed; its backup file has it.
 */
export function disconnectSettings(current: Json, gatewayUrl: string, apiKeyHelper: string): Json {
  const settings: Json = { ...current };
  const ownHelper = settings.apiKeyHelper === apiKeyHelper;
  if (ownHelper) delete settings.apiKeyHelper;
  if (settings.env && typeof settings.env === 'object') {
    const env = { ...settings.env };
    if (env[baseUrlEnv] === gatewayUrl) {
      delete env[baseUrlEnv];
      if (env[discoveryEnv] === '1') delete env[discoveryEnv];
    }
    if (ownHelper) delete env[helperTtlEnv];
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

/** A unified diff of the settings file as writeSettings writes it, for --dry-run. */
export function settingsDiff(before: Json, after: Json): string {
  return unifiedDiff(JSON.stringify(before, null, 2).split('\n'), JSON.stringify(after, null, 2).split('\n'));
}
