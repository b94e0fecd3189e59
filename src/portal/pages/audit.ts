import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, Page as ListPage } from '../../api/schemas.js';
import { api } from '../api.js';
import { Field, Form } from '../components/form.js';
import { Empty, ErrorNote, Loading } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { when } from '../format.js';
import { toApiError } from '../use-api.js';

/** Every admin change: who, what, when, before and after (never secrets). */
export function AuditPage() {
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [rows, setRows] = useState<AuditEntry[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();
  const load = async (from: string | null, f = filter) => {
    try {
      const page = await api.get<ListPage<AuditEntry>>('/audit', { ...f, cursor: from, limit: 100 });
      setRows((r) => (from ? [...(r ?? []), ...page.data] : page.data));
      setCursor(page.next_cursor);
      setError(undefined);
    } catch (e) {
      setError(toApiError(e));
    }
  };
  useEffect(() => void load(null), []);
  const search = async (v: Record<string, string>) => {
    setFilter(v);
    await load(null, v);
  };
  return html`<${Page} title="Audit log" intro="Every change made through the admin API, the CLI, the portal or SCIM, newest first.">
    <${Form} label="Filter the audit log" submit="Filter" onSubmit=${search} inline>
      <${Field} label="Action" name="action" placeholder="key.revoke or user.*" />
      <${Field} label="Actor" name="actor" placeholder="alice@ or scim:okta" />
    </${Form}>
    <${ErrorNote} error=${error} />
    ${!rows && !error ? html`<${Loading} />` : null}
    ${rows
      ? html`<${Panel} title="Entries">
          <${Table}
            caption="Audit log"
            rows=${rows}
            rowKey=${(a: AuditEntry) => a.id}
            empty=${html`<${Empty} title="No entries.">${Object.values(filter).some(Boolean) ? 'Nothing matches this filter; clear it to see all changes.' : 'Changes show up here as soon as someone makes one.'}</${Empty}>`}
            columns=${[
              { label: 'When', value: (a: AuditEntry) => when(a.at) },
              { label: 'Actor', value: (a: AuditEntry) => a.actor ?? '—' },
              { label: 'Action', value: (a: AuditEntry) => html`<code>${a.action}</code>` },
              { label: 'Target', value: (a: AuditEntry) => `${a.target_type} ${a.target_id ?? ''}` },
              { label: 'Change', value: (a: AuditEntry) => html`<details><summary>show</summary><pre>${JSON.stringify({ before: a.before, after: a.after }, null, 2)}</pre></details>` },
            ]}
          />
          ${cursor ? html`<button type="button" onClick=${() => load(cursor)}>Load older entries</button>` : null}
        </${Panel}>`
      : null}
  </${Page}>`;
}
