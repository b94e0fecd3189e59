/**
 * The peer gateway: the published `@portkey-ai/gateway` npm package, installed into a cache
 * folder (never a project dependency) and run as its own process.
 *
 * How it is configured: Portkey's `bedrock` provider sends /v1/messages for Claude models to
 * Bedrock's Converse API, which the emulator does not serve; so it runs with its `anthropic`
 * provider, `x-portkey-custom-host` pointing at bench/anthropic-shim.ts, a minimal
 * Anthropic-format front for the same emulator. The shim's own cost is measured on its own
 * (the "shim" target), as the peer's floor.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const peerVersion = process.env.BENCH_PEER_VERSION ?? '1.15.2';
const cacheDir = process.env.BENCH_CACHE_DIR ?? join(homedir(), '.cache', 'ccag-bench');

/** The peer's server script, installed on first use; undefined when it cannot be installed. */
export function peerServerScript(): string | undefined {
  const script = join(cacheDir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  const installed = join(cacheDir, 'node_modules', '@portkey-ai', 'gateway', 'package.json');
  const wanted = () => existsSync(installed) && (JSON.parse(execFileSync('node', ['-p', `JSON.stringify(require(${JSON.stringify(installed)}).version)`]).toString()) as string) === peerVersion;
  if (!wanted()) {
    console.error(`installing @portkey-ai/gateway@${peerVersion} into ${cacheDir} …`);
    try {
      execFileSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--no-save', `@portkey-ai/gateway@${peerVersion}`], { stdio: 'inherit' });
    } catch (err) {
      console.error(`could not install the peer (${(err as Error).message}); its rows are skipped`);
      return undefined;
    }
  }
  return existsSync(script) ? script : undefined;
}

/** The headers that route a /v1/messages request through the peer to the shim. */
export function peerHeaders(shimUrl: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-portkey-provider': 'anthropic',
    'x-portkey-custom-host': `${shimUrl}/v1`,
    authorization: 'Bearer bench-anthropic-key',
    'anthropic-version': '2023-06-01',
  };
}
