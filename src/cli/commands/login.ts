import { Command } from 'commander';
import type { LoginResponse, Me } from '../../api/schemas.js';
import { action } from '../action.js';
import { AdminClient } from '../admin-client.js';
import { credentialAccount, type CommandContext } from '../context.js';
import { canOpenBrowser, deviceLogin, discoverGateway, oauthPost } from '../device-login.js';
import { forgetTokens, replaceTokens } from '../token-store.js';
import { deleteSecret, setSecret, getSecret } from '../credentials.js';
import { usageError } from '../errors.js';
import { readProfiles, writeProfiles } from '../profiles.js';
import { readStdin, required, secret } from '../prompt.js';

export function loginCommand(): Command {
  return new Command('login')
    .description('sign in to a gateway as an admin (password); the session token goes to the OS keychain')
    .argument('[url]', 'gateway URL (default: the profile\'s, or CCAG_URL)')
    .option('--username <name>', 'user name or email')
    .option('--password-stdin', 'read the password from standard input (scripts); CCAG_PASSWORD works too')
    .option('--sso', 'sign in through the company identity provider (device login in the browser)')
    .action(
      action<{ username?: string; passwordStdin?: boolean; sso?: boolean }>(async (ctx, [urlArg], o) => {
        const url = (urlArg ?? ctx.options.gateway ?? process.env.CCAG_URL ?? readProfiles().profiles[ctx.profile]?.url)?.replace(/\/+$/, '');
        if (!url) throw usageError('missing the gateway URL: ccag login https://gw.example.com');
        if (o.sso) return ssoLogin(ctx, url);
        const username = await required(o.username ?? readProfiles().profiles[ctx.profile]?.username, '--username', 'Username:');
        const password = o.passwordStdin ? await readStdin() : (process.env.CCAG_PASSWORD ?? (await secret('Password:', '--password-stdin')));
        if (!password) throw usageError('empty password');
        const res = await new AdminClient(url, undefined).call<LoginResponse>('POST', '/admin/v1/auth/login', { username, password });
        await setSecret(credentialAccount(ctx.profile, url), res.token);
        const file = readProfiles();
        file.profiles[ctx.profile] = { url, username };
        file.current ??= ctx.profile;
        writeProfiles(file);
        if (ctx.out.mode === 'json') ctx.out.json({ profile: ctx.profile, url, user: res.user, expires_at: res.expires_at });
        else ctx.out.say(`Signed in to ${url} as ${res.user.username} (${res.user.role}); profile "${ctx.profile}", session until ${res.expires_at}.`);
      }),
    );
}

/** `login --sso`: device login; the admin commands then use its access tokens, refreshed as needed. */
async function ssoLogin(ctx: CommandContext, url: string): Promise<void> {
  const known = await discoverGateway(url);
  const tokens = await deviceLogin(known, (line) => process.stderr.write(`${line}\n`), canOpenBrowser());
  // The profile's earlier sign-ins end at the gateway too, not only here.
  const session = await getSecret(credentialAccount(ctx.profile, url));
  if (session) await new AdminClient(url, session).call('POST', '/admin/v1/auth/logout').catch(() => undefined);
  await replaceTokens(ctx.profile, url, tokens);
  await deleteSecret(credentialAccount(ctx.profile, url));
  const me = await new AdminClient(url, tokens.access_token).call<Me>('GET', '/admin/v1/me');
  const file = readProfiles();
  file.profiles[ctx.profile] = { ...file.profiles[ctx.profile], url, username: me.user?.username };
  file.current ??= ctx.profile;
  writeProfiles(file);
  if (ctx.out.mode === 'json') ctx.out.json({ profile: ctx.profile, url, user: me.user, method: 'sso' });
  else ctx.out.say(`Signed in to ${url} as ${me.user?.username} (${me.role}); profile "${ctx.profile}".`);
}

export function logoutCommand(): Command {
  return new Command('logout').description('end the session and forget its token').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      const account = credentialAccount(ctx.profile, url);
      const token = await getSecret(account);
      if (token) await new AdminClient(url, token).call('POST', '/admin/v1/auth/logout').catch(() => undefined);
      await deleteSecret(account);
      // An SSO login's tokens are also what Claude Code uses after `ccag connect`: those stay until `ccag disconnect`.
      if (!token && !readProfiles().profiles[ctx.profile]?.connect) {
        const refreshToken = await forgetTokens(ctx.profile, url);
        if (refreshToken) await oauthPost(`${url}/oauth/revoke`, { token: refreshToken }).catch(() => undefined);
      }
      ctx.out.say(`Signed out of ${url}.`);
    }),
  );
}
