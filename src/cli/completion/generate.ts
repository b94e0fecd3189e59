import type { Command, Option } from 'commander';

/**
 * Shell completion scripts generated from the command tree, so they cannot drift from it
 * (a test regenerates them and compares with completions/).
 */
export type Shell = 'bash' | 'zsh' | 'fish';
export const shells: Shell[] = ['bash', 'zsh', 'fish'];

/** One command of the tree: its path below the program (`['keys', 'create']`), its subcommands and visible options. */
export interface CommandNode {
  path: string[];
  description: string;
  subcommands: string[];
  options: { flags: string[]; description: string; choices?: string[] }[];
}

/** Every command of the tree, depth first, the program itself first (path `[]`). */
export function walk(command: Command, path: string[] = []): CommandNode[] {
  const options = (command.options as readonly Option[])
    .filter((o) => !o.hidden)
    .map((o) => ({ flags: [o.long, o.short].filter((f): f is string => Boolean(f)), description: o.description, choices: o.argChoices }));
  const node: CommandNode = { path, description: command.description(), subcommands: command.commands.map((c) => c.name()), options };
  return [node, ...command.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function completionScript(program: Command, shell: Shell): string {
  const nodes = walk(program);
  const name = program.name();
  const globals = nodes[0]!.options.flatMap((o) => o.flags);
  if (shell === 'bash') {
    const cases = nodes
      .map((n) => {
        const words = [...n.subcommands, ...n.options.flatMap((o) => o.flags), ...(n.path.length ? globals : [])];
        return `    ${quote(n.path.join(' '))}) words=${quote(words.join(' '))} ;;`;
      })
      .join('\n');
    return `# bash completion for ${name} (generated; do not edit)
_${name}() {
  local cur path="" i w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${nodes.slice(1).map((n) => `      ${quote(n.path.join(' '))}) path=${quote(n.path.join(' '))} ;;`).join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _${name} ${name}
`;
  }
  if (shell === 'zsh') {
    const cases = nodes
      .map((n) => {
        const items = [
          ...n.subcommands.map((s) => `${s}:${nodes.find((x) => x.path.join(' ') === [...n.path, s].join(' '))!.description}`),
          ...n.options.flatMap((o) => o.flags.map((f) => `${f}:${o.description}`)),
        ].map((i) => quote(i.replace(/:/g, (m, off: number) => (off === i.indexOf(':') ? m : '\\:'))));
        return `    ${quote(n.path.join(' '))}) items=(${items.join(' ')}) ;;`;
      })
      .join('\n');
    return `#compdef ${name}
# zsh completion for ${name} (generated; do not edit)
_${name}() {
  local path="" w items
  for w in \${words[2,CURRENT-1]}; do
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${nodes.slice(1).map((n) => `      ${quote(n.path.join(' '))}) path=${quote(n.path.join(' '))} ;;`).join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  _describe 'command' items
}
compdef _${name} ${name}
`;
  }
  const lines = [`# fish completion for ${name} (generated; do not edit)`, `complete -c ${name} -f`];
  for (const n of nodes) {
    const condition = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const s of n.subcommands) {
      const child = nodes.find((x) => x.path.join(' ') === [...n.path, s].join(' '))!;
      lines.push(`complete -c ${name} -n ${quote(condition)} -a ${s} -d ${quote(child.description)}`);
    }
    for (const o of n.options) {
      const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = o.flags.find((f) => /^-[^-]/.test(f))?.slice(1);
      const parts = [`complete -c ${name}`];
      if (n.path.length) parts.push(`-n ${quote(condition)}`);
      if (long) parts.push(`-l ${long}`);
      if (short) parts.push(`-s ${short}`);
      if (o.choices) parts.push(`-xa ${quote(o.choices.join(' '))}`);
      parts.push(`-d ${quote(o.description)}`);
      lines.push(parts.join(' '));
    }
  }
  return lines.join('\n') + '\n';
}

export const completionFile: Record<Shell, string> = { bash: 'ccag.bash', zsh: '_ccag', fish: 'ccag.fish' };
