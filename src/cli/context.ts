import type { Command } from 'commander';
import { AdminClient } from './admin-client.js';
import { credentialAccount, getSecret } from './credentials.js';

export { credentialAccount };
import { accessToken, hasDeviceLogin } from './token-store.js';
import { CliError, exitCodes } from './errors.js';
import { Output, type OutputMode } from './output.js';
import { profileName, readProfiles } from './profiles.js';

export interface GlobalOptions {
  gateway?: string;
  token?: string;
  profile?: string;
  json?: boolean;
  quiet?: boolean;
  yes?: boolean;
  verbose?: boolean;
}

/** What every command needs: its output mode, the options, and (lazily) an admin API client. */
export class CommandContext {
  readonly out: Output;
  readonly options: GlobalOptions;

  constructor(command: Command) {
    this.options = command.optsWithGlobals<GlobalOptions>();
    const mode: OutputMode = this.options.json ? 'json' : this.options.quiet ? 'quiet' : 'table';
    this.out = new Output(mode);
  }

  get profile(): string {
    return profileName(this.options.profile);
  }

  /** The gateway URL: --gateway, CCAG_URL, or the profile's. */
  gatewayUrl(): string {
    const url = this.options.gateway ?? process.env.CCAG_URL ?? readProfiles().profiles[this.profile]?.url;
    if (!url) throw new CliError('no gateway: run `ccag login <url>`, or set --gateway / CCAG_URL', exitCodes.usage, 'usage_error');
    return url.replace(/\/+$/, '');
  }

  /**
   * A client with the token from --token, CCAG_TOKEN, the profile's login session, or an access
   * token of its device login (`ccag login --sso` or `ccag connect`).
   */
  async client(): Promise<AdminClient> {
    const url = this.gatewayUrl();
    const token =
      this.options.token ??
      process.env.CCAG_TOKEN ??
      (await getSecret(credentialAccount(this.profile, url))) ??
      ((await hasDeviceLogin(this.profile, url)) ? await accessToken(this.profile, url) : undefined);
    if (!token) throw new CliError(`not signed in to ${url}: run \`ccag login ${url}\`, or set CCAG_TOKEN`, exitCodes.auth, 'authentication_error');
    return new AdminClient(url, token);
  }
}
