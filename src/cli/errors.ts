/** Exit codes (product contract): 0 ok, 1 error, 2 usage error, 3 auth error, 4 not found. */
export const exitCodes = { ok: 0, error: 1, usage: 2, auth: 3, notFound: 4 } as const;

/** An error the CLI reports as one line (or `{"error":…}` with --json) and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.error,
    readonly type: string = 'cli_error',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, exitCodes.usage, 'usage_error');

/** An error answered by the gateway, with the exit code its status stands for. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    type: string,
    message: string,
  ) {
    super(message, exitCodeForStatus(status), type);
    this.name = 'ApiError';
  }
}

function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 404) return exitCodes.notFound;
  if (status === 400 || status === 413) return exitCodes.usage;
  return exitCodes.error;
}
