import type { SpendRow } from './schemas.js';

const header = ['group', 'requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cost_usd', 'unpriced_requests'] as const;

const cell = (v: unknown) => {
  const s = String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** A spend report as CSV: `ccag spend --csv` prints it and `GET /admin/v1/spend?format=csv` sends it, byte for byte the same. */
export function spendCsv(rows: SpendRow[]): string {
  return [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h])).join(','))].join('\n') + '\n';
}
