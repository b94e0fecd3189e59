import { html } from 'htm/preact';
import { KeyManager } from '../components/key-manager.js';
import { Page } from '../components/page.js';
import { useMe } from '../session.js';

/** The signed-in person's own keys. */
export function MyKeysPage() {
  const me = useMe();
  return html`<${Page} title="My keys" intro=${html`Keys for Claude Code, the SDK or CI jobs. <code>ccag connect</code> signs you in without one; use a key where no browser is at hand.`}>
    <${KeyManager} query=${{ user: me.user?.id }} owners=${false} canCreate=${me.role !== 'viewer'} />
  </${Page}>`;
}
