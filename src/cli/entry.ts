// The `ccag` binary. A plain `ccag token` (Claude Code's apiKeyHelper, run before its
// requests) takes a short path that loads only the token store; everything else, the full CLI.
import { plainTokenArgs, printToken } from './token-fast.js';

const [command, ...rest] = process.argv.slice(2);
const tokenArgs = command === 'token' ? plainTokenArgs(rest) : undefined;
if (tokenArgs) await printToken(tokenArgs);
else await import('./main.js');
