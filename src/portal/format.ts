/** How numbers, money and times read on every page. */

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
const intFormat = new Intl.NumberFormat('en-US');

export const usd = (n: number | null | undefined) => (n === null || n === undefined ? '—' : usdFormat.format(n));
export const int = (n: number | null | undefined) => (n === null || n === undefined ? '—' : intFormat.format(n));
export const pct = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)}%`);
export const ms = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${intFormat.format(Math.round(n))} ms`);

/** Percentiles as `78 / 296 / 310 ms`. */
export function percentiles(values: (number | null)[]): string {
  if (values.every((v) => v === null)) return '—';
  return `${values.map((v) => (v === null ? '—' : intFormat.format(Math.round(v)))).join(' / ')} ms`;
}

/** A UTC time as `2026-12-06 09:41 UTC`: admins compare it with logs and budget periods, which are UTC. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');

/** Limits as `60 rpm · 100,000 tpm`, or `none`. */
export function limits(l: { rpm: number | null; tpm: number | null; concurrency: number | null }): string {
  const parts = [l.rpm ? `${int(l.rpm)} rpm` : '', l.tpm ? `${int(l.tpm)} tpm` : '', l.concurrency ? `${int(l.concurrency)} at once` : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'none';
}
