import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { IdentityProvider, IdpTestResult, Page as ListPage, ScimTokenResponse } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Checkbox, Field, Form, optional, optionalList } from '../components/form.js';
import { Empty, ErrorNote, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { SecretOnce } from '../components/secret-once.js';
import { Table } from '../components/table.js';
import { toApiError, useApi } from '../use-api.js';

/** OIDC identity providers for SSO, and their SCIM provisioning tokens. */
export function IdpsPage() {
  const idps = useApi<ListPage<IdentityProvider>>('/idps');
  const [token, setToken] = useState<ScimTokenResponse | undefined>();
  const [result, setResult] = useState<IdpTestResult | Error | undefined>();
  const create = async (v: Record<string, string>) => {
    await api.post('/idps', {
      name: v.name,
      issuer: v.issuer,
      client_id: v.client_id,
      client_secret: optional(v.client_secret),
      allowed_domains: optionalList(v.allowed_domains),
      auto_provision: v.auto_provision === 'on',
    });
    idps.reload();
  };
  const scim = (idp: IdentityProvider) =>
    api.post<ScimTokenResponse>(`/idps/${seg(idp.id)}/scim${idp.scim.enabled ? '/rotate' : ''}`, {}).then((t) => {
      setToken(t);
      idps.reload();
    });
  const test = (idp: IdentityProvider) => api.post<IdpTestResult>(`/idps/${seg(idp.id)}/test`, {}).then(setResult, (e) => setResult(toApiError(e)));
  return html`<${Page} title="Identity providers" intro="Single sign-on through OIDC (portal sign-in and ccag connect), and SCIM provisioning of users and groups.">
    ${token
      ? html`<${SecretOnce} title=${`SCIM token for ${token.idp}`} secret=${token.token} onDone=${() => setToken(undefined)}>
          <p>SCIM URL to enter at the identity provider: <code>${token.scim_url}</code></p>
        </${SecretOnce}>`
      : null}
    <${Panel} title="Add an identity provider">
      <${Form} label="Add an identity provider" submit="Add identity provider" onSubmit=${create}>
        <${Field} label="Name" name="name" required placeholder="e.g. okta" />
        <${Field} label="Issuer" name="issuer" type="url" required placeholder="e.g. https://corp.okta.com" />
        <${Field} label="Client id" name="client_id" required />
        <${Field} label="Client secret" name="client_secret" type="password" autocomplete="new-password" />
        <${Field} label="Allowed email domains" name="allowed_domains" placeholder="e.g. corp.example" />
        <${Checkbox} label="Create users on first sign-in" name="auto_provision" />
      </${Form}>
    </${Panel}>
    <${Panel} title="Identity providers">
      ${result instanceof Error ? html`<${ErrorNote} error=${result} />` : result ? html`<p class=${result.ok ? 'ok' : 'error'} role="status">${result.ok ? `Discovery works: ${result.issuer}` : result.error}</p>` : null}
      <${LoadState} loading=${idps.loading} error=${idps.error} hasData=${!!idps.data} />
      ${idps.data
        ? html`<${Table}
            caption="Identity providers"
            rows=${idps.data.data}
            rowKey=${(i: IdentityProvider) => i.id}
            empty=${html`<${Empty} title="No identity provider.">People sign in with passwords. Add your company's OIDC provider above; register the redirect URI it shows at the provider.</${Empty}>`}
            columns=${[
              { label: 'Name', value: (i: IdentityProvider) => i.name },
              { label: 'Issuer', value: (i: IdentityProvider) => i.issuer },
              { label: 'Redirect URI', value: (i: IdentityProvider) => html`<code>${i.redirect_uri}</code>` },
              { label: 'Enabled', value: (i: IdentityProvider) => (i.enabled ? 'yes' : 'no') },
              { label: 'SCIM', value: (i: IdentityProvider) => (i.scim.enabled ? html`on (<code>${i.scim.token_prefix}</code>)` : 'off') },
              {
                label: '',
                value: (i: IdentityProvider) => html`<span class="row-actions">
                  <button type="button" class="small" onClick=${() => test(i)}>Test</button>
                  <button type="button" class="small" onClick=${() => scim(i)}>${i.scim.enabled ? 'Rotate SCIM token' : 'Turn on SCIM'}</button>
                  <${ConfirmButton} label="Delete" question=${`Delete ${i.name}?`} onConfirm=${() => api.del(`/idps/${seg(i.id)}`).then(idps.reload)} />
                </span>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
