import { html } from 'htm/preact';
import { KeyManager } from '../components/key-manager.js';
import { Page } from '../components/page.js';
import { useMe } from '../session.js';

/** Every key an admin sees (a team admin: its team's). */
export function KeysPage() {
  const me = useMe();
  return html`<${Page} title="Keys" intro=${me.role === 'admin' ? 'Every virtual key of the gateway.' : `The keys of team ${me.team?.name ?? ''}.`}>
    <${KeyManager} query=${{}} owners=${true} canCreate=${true} />
  </${Page}>`;
}
