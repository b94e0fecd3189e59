import chalk from 'chalk';
import Table from 'cli-table3';

/** How results are printed: a table for people, JSON for scripts, ids only with --quiet. */
export type OutputMode = 'table' | 'json' | 'quiet';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export function isInteractive(): boolean {
  return Boolean(process.stdout.isTTY && process.stdin.isTTY) && !process.env.CI;
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.join(',') : '-';
  return String(value);
}

export class Output {
  constructor(readonly mode: OutputMode) {}

  json(value: unknown): void {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** A list: a JSON array, ids one per line, a table on a TTY or tab-separated lines otherwise. */
  list<T>(rows: T[], columns: Column<T>[], id: (row: T) => string): void {
    if (this.mode === 'json') return this.json(rows);
    if (this.mode === 'quiet') return void rows.forEach((r) => process.stdout.write(id(r) + '\n'));
    if (!process.stdout.isTTY) {
      for (const r of rows) process.stdout.write(columns.map((c) => cell(c.value(r))).join('\t') + '\n');
      return;
    }
    if (rows.length === 0) return void process.stdout.write(chalk.dim('(none)') + '\n');
    const table = new Table({ head: columns.map((c) => c.header), style: { head: ['bold'], border: [] } });
    for (const r of rows) table.push(columns.map((c) => cell(c.value(r))));
    process.stdout.write(table.toString() + '\n');
  }

  /** One resource: an object in JSON, its id with --quiet, "field: value" lines otherwise. */
  resource<T>(value: T, fields: Column<T>[], id: (v: T) => string): void {
    if (this.mode === 'json') return this.json(value);
    if (this.mode === 'quiet') return void process.stdout.write(id(value) + '\n');
    const width = Math.max(...fields.map((f) => f.header.length));
    for (const f of fields) process.stdout.write(`${chalk.bold(f.header.padEnd(width))}  ${cell(f.value(value))}\n`);
  }

  /** A line for people; silent in --json and --quiet modes. */
  say(message: string): void {
    if (this.mode === 'table') process.stderr.write(message + '\n');
  }
}
