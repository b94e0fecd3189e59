import { Command } from 'commander';
import type { LoginResponse } from '../../api/schemas.js';
import { action } from '../action.js';
import { AdminClient } from '../admin-client.js';
import { credentialAccount } from '../context.js';
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
    .action(
      action<{ username?: string; passwordStdin?: boolean }>(async (ctx, [urlArg], o) => {
        const url = (urlArg ?? ctx.options.gateway ?? process.env.CCAG_URL ?? readProfiles().profiles[ctx.profile]?.url)?.replace(/\/+$/, '');
        if (!url) throw usageError('missing the gateway URL: ccag login https://gw.example.com');
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

export function logoutCommand(): Command {
  return new Command('logout').description('end the session and forget its token').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      const account = credentialAccount(ctx.profile, url);
      const token = await getSecret(account);
      if (token) await new AdminClient(url, token).call('POST', '/admin/v1/auth/logout').catch(() => undefined);
      await deleteSecret(account);
      ctx.out.say(`Signed out of ${url}.`);
    }),
  );
}
