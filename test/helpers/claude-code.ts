import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Claude Code release the e2e tests run (a ~380 MB native binary from the npm registry). */
export const claudeCodeVersion = '2.1.330';

const platformPackage = `@anthropic-ai/claude-code-${process.platform}-${process.arch === 'x64' ? 'x64' : 'arm64'}`;

/**
 * The real Claude Code binary, installed once into a cache folder outside the project (it is
 * not a dependency: its wrapper needs Node 22, the native binary needs no Node at all).
 */
export function claudeCodeBinary(): string {
  const dir = join(process.env.CCAG_TEST_CACHE ?? join(homedir(), '.cache', 'ccag-test'), `claude-code-${claudeCodeVersion}`);
  const binary = join(dir, 'node_modules', platformPackage, 'claude');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', dir, `@anthropic-ai/claude-code@${claudeCodeVersion}`], {
      stdio: 'inherit',
      timeout: 600_000,
    });
  }
  return binary;
}

export interface ClaudeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The parsed `--output-format json` result. */
  result: any;
  cwd: string;
}

/** Runs `claude -p` against the gateway with a fresh HOME and working folder. */
export function runClaude(
  prompt: string,
  opts: { baseUrl: string; apiKey: string; model?: string; args?: string[]; env?: Record<string, string>; cwd?: string },
): Promise<ClaudeRun> {
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'ccag-claude-work-'));
  const home = mkdtempSync(join(tmpdir(), 'ccag-claude-home-'));
  const args = ['-p', prompt, '--output-format', 'json', '--model', opts.model ?? 'claude-sonnet-4-5', ...(opts.args ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(claudeCodeBinary(), args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        ANTHROPIC_BASE_URL: opts.baseUrl,
        ANTHROPIC_API_KEY: opts.apiKey,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let result: any;
      try {
        result = JSON.parse(stdout);
      } catch {
        result = undefined;
      }
      resolve({ code, stdout, stderr, result, cwd });
    });
  });
}
