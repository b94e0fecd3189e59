import { CliError } from './errors.js';

/**
 * Stands in for server-side.ts in the CLI bundle served at `/setup/ccag.tgz`
 * (scripts/build-cli-bundle.mjs): that ccag talks to a gateway but cannot be one, so loading
 * the server fails with one line saying what to do instead.
 */
export const noServerMessage = 'this ccag was installed from a gateway and has no server; install the npm package to run one';

throw new CliError(noServerMessage);
