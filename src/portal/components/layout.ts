import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import type { Route } from '../routes.js';
import { Link } from '../router.js';
import { useMe } from '../session.js';

/** The frame around every signed-in page: a skip link, the role's navigation, who is signed in. */
export function Layout({ routes, path, onSignOut, children }: { routes: Route[]; path: string; onSignOut: () => void; children: ComponentChildren }) {
  const me = useMe();
  const sections = [...new Set(routes.map((r) => r.section))];
  return html`<div class="shell">
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <span class="brand">ccag</span>
      <span class="who">
        <span>${me.user?.email ?? me.user?.username ?? 'signed in'}</span>
        <span class="badge role">${me.role.replace('_', ' ')}</span>
        ${me.team ? html`<span class="muted">team ${me.team.name}</span>` : null}
        <button type="button" class="small" onClick=${onSignOut}>Sign out</button>
      </span>
    </header>
    <nav class="side" aria-label="Portal">
      ${sections.map(
        (section) => html`<div class="nav-section">
          <h2>${section}</h2>
          <ul>
            ${routes.filter((r) => r.section === section).map((r) => html`<li><${Link} href=${r.path} current=${r.path === path}>${r.title}</${Link}></li>`)}
          </ul>
        </div>`,
      )}
    </nav>
    <main id="main" tabindex="-1">${children}</main>
  </div>`;
}
