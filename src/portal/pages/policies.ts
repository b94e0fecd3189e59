import { html } from 'htm/preact';
import type { PolicyView } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Field, Form, optional, optionalList, optionalNumber } from '../components/form.js';
import { Empty, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { int } from '../format.js';
import { useMe } from '../session.js';
import { useApi } from '../use-api.js';

/** Policies by team or IdP group: allowed models, denied tools, output cap; first match wins. */
export function PoliciesPage() {
  const me = useMe();
  const policies = useApi<{ data: PolicyView[] }>('/policies');
  const create = async (v: Record<string, string>) => {
    await api.post('/policies', {
      name: optional(v.name),
      team: optional(v.team),
      group: optional(v.group),
      allowed_models: optionalList(v.allowed_models),
      denied_tools: optionalList(v.denied_tools),
      max_output_tokens: optionalNumber(v.max_output_tokens),
    });
    policies.reload();
  };
  return html`<${Page} title="Policies" intro="Which models a team or IdP group may use, which tools are removed before Bedrock sees them, and the output cap. Policies are tried in order; the first that matches decides, then the default.">
    ${me.role === 'admin'
      ? html`<${Panel} title="Add a policy">
          <${Form} label="Add a policy" submit="Add policy" onSubmit=${create}>
            <${Field} label="Name" name="name" placeholder="e.g. contractors" />
            <${Field} label="Team" name="team" />
            <${Field} label="IdP group" name="group" />
            <${Field} label="Allowed models" name="allowed_models" placeholder="any" hint="comma-separated; a prefix may end in *" />
            <${Field} label="Denied tools" name="denied_tools" placeholder="e.g. WebFetch, mcp__github__*" />
            <${Field} label="Max output tokens" name="max_output_tokens" type="number" min="1" />
          </${Form}>
        </${Panel}>`
      : null}
    <${Panel} title="Policies in order">
      <${LoadState} loading=${policies.loading} error=${policies.error} hasData=${!!policies.data} />
      ${policies.data
        ? html`<${Table}
            caption="Policies"
            rows=${policies.data.data}
            rowKey=${(p: PolicyView) => p.id}
            empty=${html`<${Empty} title="No policies.">Every user may use every model and tool. Add a policy above to restrict a team or group.</${Empty}>`}
            columns=${[
              { label: '#', value: (p: PolicyView) => (p.default ? 'default' : p.position), numeric: true },
              { label: 'Name', value: (p: PolicyView) => p.name },
              { label: 'Applies to', value: (p: PolicyView) => [p.team && `team ${p.team}`, p.group && `group ${p.group}`].filter(Boolean).join(' and ') || (p.default ? 'everyone else' : '—') },
              { label: 'Allowed models', value: (p: PolicyView) => p.allowed_models?.join(', ') ?? 'any' },
              { label: 'Denied tools', value: (p: PolicyView) => p.denied_tools.join(', ') || 'none' },
              { label: 'Max output', value: (p: PolicyView) => (p.max_output_tokens ? int(p.max_output_tokens) : 'no cap'), numeric: true },
              { label: '', value: (p: PolicyView) => (me.role === 'admin' ? html`<${ConfirmButton} label="Delete" question=${`Delete policy ${p.name}?`} onConfirm=${() => api.del(`/policies/${seg(p.id)}`).then(policies.reload)} />` : null) },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
