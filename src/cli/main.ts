import { CommanderError } from 'commander';
import { ConfigError } from '../server/config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { CliError, exitCodes } from './errors.js';
import { buildProgram } from './program.js';

/** Reports an error as one line (or JSON with --json) and sets the exit code of the contract. */
function report(err: unknown, json: boolean, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed usage problems; help and --version are not errors.
    return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
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

const argv = process.argv;
try {
  await buildProgram().parseAsync(argv);
} catch (err) {
  process.exitCode = report(err, argv.includes('--json'), argv.includes('--verbose') || argv.includes('-v'));
}
