import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../server/config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { CliError, exitCodes } from './errors.js';
import { buildProgram } from './program.js';

function silenceUsageErrors(command: Command): void {
  command.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  for (const sub of command.commands) silenceUsageErrors(sub);
}

/** Reports an error as one line (or JSON with --json) and sets the exit code of the contract. */
function report(err: unknown, json: boolean, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Help and --version are not errors; usage problems were printed by commander unless --json.
    if (err.exitCode === 0) return exitCodes.ok;
    if (json) process.stderr.write(JSON.stringify({ error: { type: 'usage_error', message: err.message.replace(/^error: /, '') } }) + '\n');
    return exitCodes.usage;
  }
  let code: number = exitCodes.error;
  let type = 'error';
  let message = (err as Error)?.message ?? String(err);
  if (err instanceof CliError) {
    code = err.exitCode;
    type = err.type;
  } else if (err instanceof ConfigError) {
    code = exitCodes.usage;
    type = 'config_error';
  } else if (err instanceof DataDirLockedError) {
    type = 'data_dir_locked';
  } else if ((err as { name?: string })?.name === 'ExitPromptError') {
    message = 'cancelled';
  } else if (verbose && err instanceof Error && err.stack) {
    message = err.stack;
  }
  process.stderr.write(json ? JSON.stringify({ error: { type, message } }) + '\n' : `error: ${message}\n`);
  return code;
}

// `ccag … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(exitCodes.ok);
  throw err;
});

const argv = process.argv;
const json = argv.includes('--json');
try {
  const program = buildProgram();
  // With --json, usage errors go out as JSON (below), not as commander's text.
  if (json) silenceUsageErrors(program);
  await program.parseAsync(argv);
} catch (err) {
  process.exitCode = report(err, json, argv.includes('--verbose') || argv.includes('-v'));
}
