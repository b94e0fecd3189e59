import { html } from 'htm/preact';
import { CodeLine } from './buttons.js';

/** A secret the API returns once (a new key, a SCIM token): shown here, never stored by the page. */
export function SecretOnce({ title, secret, onDone, children }: { title: string; secret: string; onDone: () => void; children?: unknown }) {
  return html`<div class="secret" role="status">
    <h2>${title}</h2>
    <p><strong>Copy it now: it is shown only this once.</strong> The gateway keeps only a hash; if it is lost, create a new one.</p>
    <${CodeLine} text=${secret} label=${title} />
    ${children}
    <button type="button" onClick=${onDone}>I have stored it</button>
  </div>`;
}
