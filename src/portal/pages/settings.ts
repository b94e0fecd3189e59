import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { WellKnown } from '../../api/schemas.js';
import { wellKnown } from '../api.js';
import { ErrorNote, Loading } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { toApiError } from '../use-api.js';

/** What this gateway is (read-only: its settings come from flags and the environment, see docs/configuration.md). */
export function SettingsPage() {
  const [gw, setGw] = useState<WellKnown | undefined>();
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    wellKnown().then(setGw, (e) => setError(toApiError(e)));
  }, []);
  return html`<${Page} title="Settings" intro="This gateway's configuration as clients see it. It is set with flags and environment variables of ccag serve.">
    <${ErrorNote} error=${error} />
    ${!gw && !error ? html`<${Loading} />` : null}
    ${gw
      ? html`<${Panel} title="Gateway">
          <dl class="facts">
            <dt>Version</dt><dd>${gw.version}</dd>
            <dt>Public URL</dt><dd><code>${gw.public_url}</code></dd>
            <dt>Admin API</dt><dd><code>${gw.admin_api}</code></dd>
            <dt>Sign-in methods</dt><dd>${gw.login_methods.join(', ') || 'none'}</dd>
            <dt>Identity providers</dt><dd>${gw.identity_providers.join(', ') || 'none'}</dd>
            <dt>Access token lifetime</dt><dd>${Math.round(gw.access_token_ttl_seconds / 60)} minutes</dd>
          </dl>
        </${Panel}>`
      : null}
  </${Page}>`;
}
