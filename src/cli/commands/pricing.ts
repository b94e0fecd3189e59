import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { PriceView } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';

const money = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
const priceColumns: Column<PriceView>[] = [
  { header: 'MODEL', value: (p) => p.model },
  { header: 'INPUT', value: (p) => money(p.input) },
  { header: 'OUTPUT', value: (p) => money(p.output) },
  { header: 'CACHE READ', value: (p) => money(p.cache_read) },
  { header: 'CACHE WRITE 5M', value: (p) => money(p.cache_write_5m) },
  { header: 'CACHE WRITE 1H', value: (p) => money(p.cache_write_1h) },
  { header: 'REGIONAL +%', value: (p) => p.regional_uplift_pct },
  { header: 'SOURCE', value: (p) => p.source },
];

const csvColumns = ['model', 'input', 'output', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'regional_uplift_pct'] as const;

/** Reads a price CSV (USD per million tokens; a header row naming the columns). */
export function parsePriceCsv(text: string): Record<string, string | number>[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length < 2) throw usageError('the CSV needs a header row and at least one price');
  const header = lines[0]!.split(',').map((h) => h.trim().toLowerCase());
  for (const required of ['model', 'input', 'output']) if (!header.includes(required)) throw usageError(`the CSV header must name a "${required}" column`);
  const unknown = header.find((h) => !(csvColumns as readonly string[]).includes(h));
  if (unknown) throw usageError(`unknown CSV column "${unknown}"; known: ${csvColumns.join(', ')}`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length) throw usageError(`CSV line ${i + 2}: ${cells.length} cells, the header has ${header.length}`);
    const row: Record<string, string | number> = {};
    header.forEach((h, j) => {
      if (cells[j] === '') return;
      if (h === 'model') row[h] = cells[j]!;
      else {
        const n = Number(cells[j]);
        if (!Number.isFinite(n)) throw usageError(`CSV line ${i + 2}: ${h} "${cells[j]}" is not a number`);
        row[h] = n;
      }
    });
    return row;
  });
}

function numberOption(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw usageError(`${flag}: "${value}" is not a price in USD per million tokens`);
  return n;
}

export function pricingCommand(): Command {
  const pricing = new Command('pricing').description('model prices (USD per million tokens) used to cost every request');

  pricing
    .command('list')
    .description('effective prices: Bedrock list prices with your overrides; "*" is charged for models with no price')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<PriceView>('/admin/v1/pricing'), priceColumns, (p) => p.model);
      }),
    );

  pricing
    .command('set')
    .description('set a model\'s prices (cache prices default to 0.1×, 1.25× and 2× the input price)')
    .argument('<model>', 'model id (or * for the fallback price)')
    .requiredOption('--input <usd>', 'input, USD per million tokens')
    .requiredOption('--output <usd>', 'output, USD per million tokens')
    .option('--cache-read <usd>', 'cache read, USD per million tokens')
    .option('--cache-write-5m <usd>', '5-minute cache write, USD per million tokens')
    .option('--cache-write-1h <usd>', '1-hour cache write, USD per million tokens')
    .option('--regional-uplift <percent>', 'extra percent on regional inference profiles', '0')
    .action(
      action<{ input: string; output: string; cacheRead?: string; cacheWrite5m?: string; cacheWrite1h?: string; regionalUplift: string }>(async (ctx, [model], o) => {
        const body = {
          input: numberOption(o.input, '--input'),
          output: numberOption(o.output, '--output'),
          cache_read: o.cacheRead === undefined ? undefined : numberOption(o.cacheRead, '--cache-read'),
          cache_write_5m: o.cacheWrite5m === undefined ? undefined : numberOption(o.cacheWrite5m, '--cache-write-5m'),
          cache_write_1h: o.cacheWrite1h === undefined ? undefined : numberOption(o.cacheWrite1h, '--cache-write-1h'),
          regional_uplift_pct: Math.round(numberOption(o.regionalUplift, '--regional-uplift')),
        };
        const view = await (await ctx.client()).call<PriceView>('PUT', `/admin/v1/pricing/${encodeURIComponent(model!)}`, body);
        ctx.out.resource(view, priceColumns, (p) => p.model);
      }),
    );

  pricing
    .command('reset')
    .description('remove your override (back to the list price)')
    .argument('<model>', 'model id')
    .action(
      action(async (ctx, [model]) => {
        await (await ctx.client()).call('DELETE', `/admin/v1/pricing/${encodeURIComponent(model!)}`);
        ctx.out.say(`Reset the price of ${model}.`);
      }),
    );

  pricing
    .command('import')
    .description(`set many prices from a CSV file (columns: ${csvColumns.join(', ')}), all or nothing`)
    .argument('<file>', 'CSV file, or - for standard input')
    .action(
      action(async (ctx, [file]) => {
        const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file!, 'utf8');
        const prices = parsePriceCsv(text);
        const res = await (await ctx.client()).call<{ imported: number }>('POST', '/admin/v1/pricing/import', { prices });
        if (ctx.out.mode === 'json') ctx.out.json(res);
        else ctx.out.say(`Imported ${res.imported} price(s).`);
      }),
    );
  return pricing;
}
