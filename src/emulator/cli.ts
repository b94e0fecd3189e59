import { emulatorCredentials } from './credentials.js';
import { startEmulator } from './server.js';
import type { Emulator } from './types.js';

/** `ccag emulator`: start it standalone and say how to reach it. Nobody reads its request log, so it keeps none. */
export async function runEmulatorCommand(opts: { port: number; host: string; region?: string }): Promise<Emulator> {
  const region = opts.region ?? 'us-east-1';
  const emulator = await startEmulator({ host: opts.host, port: opts.port, region, recordRequests: false });
  console.log(
    `Bedrock emulator listening on ${emulator.url} (region ${region}; credentials ${emulatorCredentials.accessKeyId} / ${emulatorCredentials.secretAccessKey})`,
  );
  return emulator;
}
