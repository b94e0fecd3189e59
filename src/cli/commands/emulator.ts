import { Command } from 'commander';
import { action } from '../action.js';
import { usageError } from '../errors.js';

export function emulatorCommand(): Command {
  return new Command('emulator')
    .description('run the built-in Amazon Bedrock emulator (for trying ccag, or any Bedrock client, without AWS)')
    .option('--port <port>', 'listen port', '4010')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--region <region>', 'the region it answers as', 'us-east-1')
    .action(
      action<{ port: string; host: string; region: string }>(async (_ctx, _args, o) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port: "${o.port}" is not a port number`);
        const { runEmulatorCommand } = await import('../server-side.js');
        const emulator = await runEmulatorCommand({ port, host: o.host, region: o.region });
        const stop = () => void emulator.close().then(() => process.exit(0));
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      }),
    );
}
