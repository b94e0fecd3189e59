import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { Me, WellKnown } from '../../api/schemas.js';
import { api, wellKnown } from '../api.js';
import { Field, Form } from '../components/form.js';
import { portalBase } from '../router.js';

/**
 * Sign-in by password (the session lands in an HttpOnly cookie, never in the page) or
 * through an identity provider (the gateway's OIDC sign-in brings the browser back here).
 */
export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [gw, setGw] = useState<WellKnown | undefined>();
  useEffect(() => {
    wellKnown().then(setGw, () => undefined);
  }, []);
  document.title = 'Sign in · ccag';
  const signIn = async (v: Record<string, string>) => {
    await api.post('/auth/login', { username: v.username, password: v.password, cookie: true });
    onSignedIn(await api.get<Me>('/me'));
  };
  const returnTo = encodeURIComponent(location.pathname.startsWith(portalBase) ? location.pathname : `${portalBase}/`);
  return html`<main class="sign-in" id="main">
    <h1>Sign in to ccag</h1>
    ${gw?.identity_providers.length
      ? html`<div class="sso">
          ${gw.identity_providers.map((idp) => html`<a class="button primary" href=${`/auth/oidc/login?idp=${encodeURIComponent(idp)}&return_to=${returnTo}`}>Sign in with ${idp}</a>`)}
          <p class="muted">or with a password:</p>
        </div>`
      : null}
    <${Form} label="Sign in with a password" submit="Sign in" onSubmit=${signIn}>
      <${Field} label="Email or username" name="username" required autocomplete="username" />
      <${Field} label="Password" name="password" type="password" required autocomplete="current-password" />
    </${Form}>
  </main>`;
}
