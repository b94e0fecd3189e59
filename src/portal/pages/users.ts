import { html } from 'htm/preact';
import type { Page as ListPage, Team, User } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Field, Form, optional, Select } from '../components/form.js';
import { Empty, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { when } from '../format.js';
import { useMe } from '../session.js';
import { useApi } from '../use-api.js';

/** People: create (with a password, or for SSO without one), deactivate and activate. */
export function UsersPage() {
  const me = useMe();
  const users = useApi<ListPage<User>>('/users', { limit: 500 });
  const teams = useApi<ListPage<Team>>('/teams', { limit: 500 });
  const roles = me.role === 'admin' ? ['member', 'viewer', 'team_admin', 'admin'] : ['member', 'viewer'];
  const create = async (v: Record<string, string>) => {
    await api.post('/users', { email: v.email, name: optional(v.name), role: v.role, team: optional(v.team), password: optional(v.password) });
    users.reload();
  };
  const toggle = (u: User) => api.post(`/users/${seg(u.id)}/${u.active ? 'deactivate' : 'activate'}`).then(users.reload);
  return html`<${Page} title="Users" intro="People who use the gateway. Deactivating a user stops their keys and sign-ins on every replica within seconds.">
    <${Panel} title="Add a user">
      <${Form} label="Add a user" submit="Add user" onSubmit=${create}>
        <${Field} label="Email" name="email" type="email" required />
        <${Field} label="Name" name="name" />
        <${Select} label="Role" name="role" options=${roles} />
        <${Select} label="Team" name="team" options=${[{ value: '', label: me.role === 'admin' ? '(no team)' : me.team?.name ?? '' }, ...(me.role === 'admin' ? (teams.data?.data ?? []).map((t) => t.name) : [])]} />
        <${Field} label="Password" name="password" type="password" autocomplete="new-password" hint="leave empty for SSO-only users" />
      </${Form}>
    </${Panel}>
    <${Panel} title=${me.role === 'admin' ? 'All users' : `Users of team ${me.team?.name ?? ''}`}>
      <${LoadState} loading=${users.loading} error=${users.error} hasData=${!!users.data} />
      ${users.data
        ? html`<${Table}
            caption="Users"
            rows=${users.data.data}
            rowKey=${(u: User) => u.id}
            empty=${html`<${Empty} title="No users yet.">Add one above, or connect an identity provider with SCIM to provision them.</${Empty}>`}
            columns=${[
              { label: 'Email', value: (u: User) => u.email ?? u.username },
              { label: 'Name', value: (u: User) => u.name ?? '—' },
              { label: 'Role', value: (u: User) => u.role },
              { label: 'Team', value: (u: User) => u.team ?? '—' },
              { label: 'Status', value: (u: User) => html`<span class=${`badge ${u.active ? 'active' : 'revoked'}`}>${u.active ? 'active' : 'deactivated'}</span>` },
              { label: 'Last sign-in', value: (u: User) => when(u.last_login_at) },
              {
                label: '',
                value: (u: User) =>
                  u.id === me.user?.id
                    ? html`<span class="muted">you</span>`
                    : u.active
                      ? html`<${ConfirmButton} label="Deactivate" question=${`Deactivate ${u.email ?? u.username}?`} onConfirm=${() => toggle(u)} />`
                      : html`<button type="button" class="small" onClick=${() => toggle(u)}>Activate</button>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
