import type { Command } from 'commander';
import { CommandContext } from './context.js';

/**
 * Adapts a command body to commander's action signature: the body gets the context, the
 * positional arguments and the command's own options.
 */
export function action<O>(body: (ctx: CommandContext, args: string[], options: O) => Promise<void>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params[params.length - 1] as Command;
    const options = params[params.length - 2] as O;
    const args = params.slice(0, -2) as string[];
    await body(new CommandContext(command), args, options);
  };
}
