import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { WellKnown } from '../../api/schemas.js';
import { wellKnown } from '../api.js';
import { CodeLine } from '../components/buttons.js';
import { ErrorNote, Loading } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { toApiError } from '../use-api.js';

/** Set up Claude Code on a developer's machine: the one-line installers of /setup, then by hand. */
export function ConnectPage() {
  const [gw, setGw] = useState<WellKnown | undefined>();
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    wellKnown().then(setGw, (e) => setError(toApiError(e)));
  }, []);
  return html`<${Page} title="Connect" intro="Set up Claude Code on your machine to use this gateway. You need Node.js 20.18.1 or newer; no AWS or Anthropic credentials.">
    <${ErrorNote} error=${error} />
    ${!gw && !error ? html`<${Loading} />` : null}
    ${gw
      ? html`
          <${Panel} title="macOS, Linux and WSL">
            <p>Run this in a terminal. It installs the <code>ccag</code> CLI from the gateway and signs you in through your browser.</p>
            <${CodeLine} label="sh setup command" text=${`curl -fsSL ${gw.public_url}/setup | sh`} />
          </${Panel}>
          <${Panel} title="Windows (PowerShell)">
            <${CodeLine} label="PowerShell setup command" text=${`irm ${gw.public_url}/setup.ps1 | iex`} />
          </${Panel}>
          <${Panel} title="By hand">
            <ol class="steps">
              <li>Install the CLI from the gateway: <${CodeLine} label="install command" text=${`npm install -g ${gw.public_url}/setup/ccag.tgz`} /></li>
              <li>Sign in and write the Claude Code settings: <${CodeLine} label="connect command" text=${`ccag connect ${gw.public_url}`} /></li>
              <li>Check the set-up: <${CodeLine} label="doctor command" text="ccag doctor" /></li>
              <li>Use Claude Code as usual: <code>claude</code>.</li>
            </ol>
            <p class="muted">On a machine without a browser (CI), create a key under My keys and run <code>ccag connect ${gw.public_url} --key sk-ccag-…</code>, or set <code>ANTHROPIC_BASE_URL=${gw.public_url}</code> and <code>ANTHROPIC_API_KEY</code>.</p>
          </${Panel}>`
      : null}
  </${Page}>`;
}
