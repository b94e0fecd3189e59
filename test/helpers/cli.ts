import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ccagBin = fileURLToPath(new URL('../../bin/ccag', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh HOME for a CLI user: its own profiles and credentials file. */
export function cliHome(): string {
  return mkdtempSync(join(tmpdir(), 'ccag-home-'));
}

/** Runs the built `ccag` binary with no TTY, like a CI shell would. */
export function ccag(args: string[], opts: { env?: Record<string, string | undefined>; stdin?: string; home?: string; cwd?: string; onStderr?: (text: string) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, CCAG_URL: undefined, CCAG_TOKEN: undefined, HOME: opts.home ?? cliHome(), XDG_CONFIG_HOME: undefined, ...opts.env })) {
      if (v !== undefined) env[k] = v;
    }
    env.CCAG_CREDENTIAL_STORE ??= 'file';
    const child = spawn(process.execPath, [ccagBin, ...args], { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
