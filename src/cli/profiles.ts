import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** `~/.config/ccag/config.json`: named profiles (gateway URL, username), and which is current. */
export interface ProfileFile {
  current?: string;
  profiles: Record<string, Profile>;
}

export interface Profile {
  url: string;
  username?: string;
  /** Where `ccag connect` wrote Claude Code's settings. */
  connect?: { scope: 'user' | 'project'; settings: string };
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'ccag');
}

const configFile = () => join(configDir(), 'config.json');

export function readProfiles(): ProfileFile {
  try {
    const parsed = JSON.parse(readFileSync(configFile(), 'utf8')) as ProfileFile;
    return { current: parsed.current, profiles: parsed.profiles ?? {} };
  } catch {
    return { profiles: {} };
  }
}

/** Writes atomically (temp file + rename) so an interrupted write never leaves half a file. */
export function writeProfiles(file: ProfileFile): void {
  const path = configFile();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** The profile a command uses: --profile, else CCAG_PROFILE, else the current one, else "default". */
export function profileName(flag: string | undefined): string {
  return flag || process.env.CCAG_PROFILE || readProfiles().current || 'default';
}
