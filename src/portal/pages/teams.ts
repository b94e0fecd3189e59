import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { Page as ListPage, Team, User } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Field, Form, optional, optionalNumber, Select } from '../components/form.js';
import { Empty, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { int, limits } from '../format.js';
import { useMe } from '../session.js';
import { useApi } from '../use-api.js';

/** Teams (who pays for whose use) and their members. */
export function TeamsPage() {
  const me = useMe();
  const teams = useApi<ListPage<Team>>('/teams', { limit: 500 });
  const [open, setOpen] = useState<string | undefined>();
  const create = async (v: Record<string, string>) => {
    await api.post('/teams', { name: v.name, description: optional(v.description), rpm: optionalNumber(v.rpm), tpm: optionalNumber(v.tpm) });
    teams.reload();
  };
  const selected = teams.data?.data.find((t) => t.id === open) ?? (me.role === 'team_admin' ? teams.data?.data[0] : undefined);
  return html`<${Page} title="Teams" intro="A user's team pays for their use: budgets, policies and routing are set per team.">
    ${me.role === 'admin'
      ? html`<${Panel} title="Create a team">
          <${Form} label="Create a team" submit="Create team" onSubmit=${create}>
            <${Field} label="Name" name="name" required placeholder="e.g. platform" />
            <${Field} label="Description" name="description" />
            <${Field} label="Requests a minute" name="rpm" type="number" min="0" />
            <${Field} label="Tokens a minute" name="tpm" type="number" min="0" />
          </${Form}>
        </${Panel}>`
      : null}
    <${Panel} title="Teams">
      <${LoadState} loading=${teams.loading} error=${teams.error} hasData=${!!teams.data} />
      ${teams.data
        ? html`<${Table}
            caption="Teams"
            rows=${teams.data.data}
            rowKey=${(t: Team) => t.id}
            empty=${html`<${Empty} title="No teams yet.">Create one above, then add users to it.</${Empty}>`}
            columns=${[
              { label: 'Name', value: (t: Team) => t.name },
              { label: 'Description', value: (t: Team) => t.description ?? '—' },
              { label: 'Members', value: (t: Team) => int(t.member_count), numeric: true },
              { label: 'Limits', value: (t: Team) => limits(t.limits) },
              {
                label: '',
                value: (t: Team) => html`<span class="row-actions">
                  <button type="button" class="small" aria-expanded=${selected?.id === t.id} onClick=${() => setOpen(selected?.id === t.id ? undefined : t.id)}>Members</button>
                  ${me.role === 'admin' ? html`<${ConfirmButton} label="Delete" question=${`Delete team ${t.name}?`} onConfirm=${() => api.del(`/teams/${seg(t.id)}`).then(teams.reload)} />` : null}
                </span>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
    ${selected ? html`<${Members} team=${selected} onChange=${teams.reload} />` : null}
  </${Page}>`;
}

function Members({ team, onChange }: { team: Team; onChange: () => void }) {
  const members = useApi<ListPage<User>>(`/teams/${seg(team.id)}/members`, { limit: 500 });
  const reload = () => {
    members.reload();
    onChange();
  };
  const add = async (v: Record<string, string>) => {
    await api.post(`/teams/${seg(team.id)}/members`, { user: v.user, role: optional(v.role) });
    reload();
  };
  return html`<${Panel} title=${`Members of ${team.name}`} id="members">
    <${Form} label=${`Add a member to ${team.name}`} submit="Add member" onSubmit=${add} inline>
      <${Field} label="User" name="user" required placeholder="email" />
      <${Select} label="Role" name="role" options=${[{ value: '', label: '(keep)' }, 'member', 'viewer', 'team_admin']} />
    </${Form}>
    <${LoadState} loading=${members.loading} error=${members.error} hasData=${!!members.data} />
    ${members.data
      ? html`<${Table}
          caption=${`Members of ${team.name}`}
          rows=${members.data.data}
          rowKey=${(u: User) => u.id}
          empty=${html`<${Empty} title="No members yet.">Add a user by email above.</${Empty}>`}
          columns=${[
            { label: 'Email', value: (u: User) => u.email ?? u.username },
            { label: 'Role', value: (u: User) => u.role },
            { label: '', value: (u: User) => html`<${ConfirmButton} label="Remove" question=${`Remove ${u.email ?? u.username} from ${team.name}?`} onConfirm=${() => api.del(`/teams/${seg(team.id)}/members/${seg(u.id)}`).then(reload)} />` },
          ]}
        />`
      : null}
  </${Panel}>`;
}
