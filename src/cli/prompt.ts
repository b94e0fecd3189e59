import { input, password as passwordPrompt, confirm as confirmPrompt } from '@inquirer/prompts';
import { usageError } from './errors.js';
import { isInteractive } from './output.js';

/** A required value: the flag's, else a prompt on a TTY, else a usage error naming the flag. */
export async function required(value: string | undefined, flag: string, question: string): Promise<string> {
  if (value !== undefined && value !== '') return value;
  if (!isInteractive()) throw usageError(`missing ${flag} (no terminal to ask on)`);
  return input({ message: question, required: true });
}

export async function secret(question: string, flag: string): Promise<string> {
  if (!isInteractive()) throw usageError(`missing ${flag} (no terminal to ask on)`);
  return passwordPrompt({ message: question, mask: '*' });
}

/** Asks before a destructive action on a TTY; --yes, or no TTY, goes ahead. */
export async function confirmed(question: string, yes: boolean): Promise<boolean> {
  if (yes || !isInteractive()) return true;
  return confirmPrompt({ message: question, default: false });
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
