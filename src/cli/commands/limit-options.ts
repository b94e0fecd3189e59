import type { Command } from 'commander';
import { usageError } from '../errors.js';

export interface LimitOptions {
  rpm?: string;
  tpm?: string;
  concurrency?: string;
}

/** --rpm, --tpm and --concurrency, for keys, users and teams. */
export function addLimitOptions(command: Command): Command {
  return command
    .option('--rpm <n>', 'requests a minute (0: unlimited)')
    .option('--tpm <n>', 'input + output tokens a minute (0: unlimited)')
    .option('--concurrency <n>', 'requests at once (0: unlimited)');
}

/** The limits given, as the API takes them. */
export function limitFields(o: LimitOptions): { rpm?: number; tpm?: number; concurrency?: number } {
  const out: Record<string, number> = {};
  for (const name of ['rpm', 'tpm', 'concurrency'] as const) {
    const value = o[name];
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw usageError(`--${name}: "${value}" is not a whole number`);
    out[name] = n;
  }
  return out;
}

/** `10 rpm, 50000 tpm, 2 at once`, or `none`. */
export const limitsText = (l: { rpm: number | null; tpm: number | null; concurrency: number | null }): string =>
  [l.rpm && `${l.rpm} rpm`, l.tpm && `${l.tpm} tpm`, l.concurrency && `${l.concurrency} at once`].filter(Boolean).join(', ') || 'none';
