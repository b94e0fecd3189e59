import { CliError, exitCodes } from './errors.js';
import { profileName, readProfiles } from './profiles.js';
import { connectCredential } from './token-store.js';

export interface TokenArgs {
  profile?: string;
  gateway?: string;
}

/**
 * The arguments of a plain `ccag token` call (`--profile P`, `--gateway URL`, also with `=`),
 * or undefined when there is anything else (help, --json…): the full CLI handles those.
 */
export function plainTokenArgs(args: string[]): TokenArgs | undefined {
  const out: TokenArgs = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^--(profile|gateway)(?:=(.*))?$/.exec(args[i]!);
    const value = match?.[2] ?? args[++i];
    if (!match || value === undefined) return undefined;
    out[match[1] as keyof TokenArgs] = value;
  }
  return out;
}

/**
 * `ccag token` without loading the rest of the CLI: Claude Code runs it before its requests,
 * so it starts in a fraction of the full command's time. Output and exit codes are the same.
 */
export async function printToken(args: TokenArgs): Promise<void> {
  const profile = profileName(args.profile);
  const url = (args.gateway ?? process.env.CCAG_URL ?? readProfiles().profiles[profile]?.url)?.replace(/\/+$/, '');
  try {
    if (!url) throw new CliError('no gateway: run `ccag connect <url>`, or set --gateway / CCAG_URL', exitCodes.usage);
    process.stdout.write(`${await connectCredential(profile, url)}\n`);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : exitCodes.error;
  }
}
