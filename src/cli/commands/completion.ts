import { Command, Argument } from 'commander';
import { completionScript, shells, type Shell } from '../completion/generate.js';

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script (e.g. ccag completion bash > /etc/bash_completion.d/ccag)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(shells))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(root(), shell));
    });
}
