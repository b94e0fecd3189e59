import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ccagBin } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends a signal and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `ccag serve` as its own process (port 0) and waits (60 s, or `timeoutMs`) for its "listening"
 * log line. A fresh embedded database takes a while on a busy 2-core machine (PGlite's initdb);
 * a start that times out kills the process, so the test file fails instead of hanging.
 */
export function startServe(args: string[], env: Record<string, string | undefined>, { timeoutMs = 60_000 } = {}): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, DATABASE_URL: undefined, ...env })) if (v !== undefined) childEnv[k] = v;
    const child = spawn(process.execPath, [ccagBin, 'serve', '--port', '0', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ccag serve did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"ccag gateway listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ccag serve exited with ${code}:\n${output}`));
    });
  });
}

/** Runs `ccag serve` expecting it to refuse to start; resolves to its exit code and output. */
export function serveRefusal(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, DATABASE_URL: undefined, ...env })) if (v !== undefined) childEnv[k] = v;
    const child = spawn(process.execPath, [ccagBin, 'serve', '--port', '0', ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
