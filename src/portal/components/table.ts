import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  value: (row: T) => ComponentChildren;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

/** A data table with a caption for screen readers, or the empty state when there are no rows. */
export function Table<T>({ caption, columns, rows, rowKey, empty }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string; empty: ComponentChildren }) {
  if (!rows.length) return empty;
  return html`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">${caption}</caption>
      <thead>
        <tr>${columns.map((c) => html`<th scope="col" class=${c.numeric ? 'num' : undefined}>${c.label}</th>`)}</tr>
      </thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${rowKey(row)}>${columns.map((c) => html`<td class=${c.numeric ? 'num' : undefined}>${c.value(row)}</td>`)}</tr>`)}
      </tbody>
    </table>
  </div>`;
}
