import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { ApiKey, CreatedApiKey, Page as ListPage } from '../../api/schemas.js';
import { api, seg, type Query } from '../api.js';
import { day, limits, when } from '../format.js';
import { useApi } from '../use-api.js';
import { ConfirmButton } from './buttons.js';
import { Field, Form, optional, optionalList, optionalNumber, Select } from './form.js';
import { Empty, LoadState } from './notes.js';
import { Panel } from './page.js';
import { SecretOnce } from './secret-once.js';
import { Table } from './table.js';

/**
 * Keys: a create form (the secret shown once, kept only in this component's state), the
 * list, and revoke. `owners` adds user and team fields for those who issue keys for others.
 */
export function KeyManager({ query, owners, canCreate }: { query: Query; owners: boolean; canCreate: boolean }) {
  const [showRevoked, setShowRevoked] = useState(false);
  const keys = useApi<ListPage<ApiKey>>('/keys', { ...query, include_revoked: showRevoked ? 'true' : undefined, limit: 500 });
  const [created, setCreated] = useState<CreatedApiKey | undefined>();

  const create = async (v: Record<string, string>) => {
    const key = await api.post<CreatedApiKey>('/keys', {
      name: v.name,
      user: optional(v.user),
      team: optional(v.team),
      scope: v.scope || undefined,
      expires_in: optional(v.expires_in),
      models: optionalList(v.models),
      budget_usd: optionalNumber(v.budget_usd),
    });
    setCreated(key);
    keys.reload();
  };

  const rows = keys.data?.data ?? [];
  return html`
    ${canCreate
      ? html`<${Panel} title="Create a key">
          ${created
            ? html`<${SecretOnce} title=${`Key ${created.name}`} secret=${created.key} onDone=${() => setCreated(undefined)}>
                <p class="muted">Use it as <code>ANTHROPIC_API_KEY</code>, or with <code>ccag connect URL --key …</code>.</p>
              </${SecretOnce}>`
            : html`<${Form} label="Create a key" submit="Create key" onSubmit=${create}>
                <${Field} label="Name" name="name" required placeholder="e.g. laptop" />
                ${owners ? html`<${Field} label="User" name="user" placeholder="email; default: you" />` : null}
                ${owners ? html`<${Field} label="Team" name="team" placeholder="team that pays" />` : null}
                <${Select} label="Scope" name="scope" options=${[{ value: 'inference', label: 'inference (Claude Code)' }, { value: 'admin', label: 'admin (automation)' }]} />
                <${Field} label="Expires in" name="expires_in" placeholder="e.g. 30d" hint="e.g. 12h, 30d, 2w" />
                <${Field} label="Allowed models" name="models" placeholder="any" hint="comma-separated" />
                <${Field} label="Monthly budget (USD)" name="budget_usd" type="number" step="0.01" min="0" />
              </${Form}>`}
        </${Panel}>`
      : null}
    <${Panel} title="Keys">
      <div class="toolbar"><label class="check"><input type="checkbox" checked=${showRevoked} onChange=${(e: Event) => setShowRevoked((e.currentTarget as HTMLInputElement).checked)} /> Show revoked and expired keys</label></div>
      <${LoadState} loading=${keys.loading} error=${keys.error} hasData=${!!keys.data} />
      ${keys.data
        ? html`<${Table}
            caption="Keys"
            rows=${rows}
            rowKey=${(k: ApiKey) => k.id}
            empty=${html`<${Empty} title="No keys yet.">${canCreate ? html`Create one above, or run <code>ccag connect</code>, which signs you in without a key.` : html`Ask your team admin for a key, or run <code>ccag connect</code>.`}</${Empty}>`}
            columns=${[
              { label: 'Name', value: (k: ApiKey) => k.name },
              { label: 'Prefix', value: (k: ApiKey) => html`<code>${k.prefix}</code>` },
              ...(owners ? [{ label: 'Owner', value: (k: ApiKey) => [k.user, k.team].filter(Boolean).join(' · ') || '—' }] : []),
              { label: 'Scope', value: (k: ApiKey) => k.scope },
              { label: 'Status', value: (k: ApiKey) => html`<span class=${`badge ${k.status}`}>${k.status}</span>` },
              { label: 'Limits', value: (k: ApiKey) => limits(k.limits) },
              { label: 'Expires', value: (k: ApiKey) => day(k.expires_at) },
              { label: 'Last used', value: (k: ApiKey) => when(k.last_used_at) },
              { label: '', value: (k: ApiKey) => (k.status === 'active' ? html`<${ConfirmButton} label="Revoke" question=${`Revoke ${k.name}?`} onConfirm=${() => api.post(`/keys/${seg(k.id)}/revoke`).then(keys.reload)} />` : null) },
            ]}
          />`
        : null}
    </${Panel}>`;
}
