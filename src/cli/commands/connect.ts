import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { Me } from '../../api/schemas.js';
import { action } from '../action.js';
import { AdminClient } from '../admin-client.js';
import { connectSettings, disconnectSettings, readSettings, settingsDiff, settingsPath, writeSettings, type SettingsScope } from '../claude-settings.js';
import { credentialAccount } from '../context.js';
import { deleteSecret, getSecret, setSecret } from '../credentials.js';
import { CliError, exitCodes, usageError } from '../errors.js';
import { readProfiles, writeProfiles } from '../profiles.js';

const ccagBin = fileURLToPath(new URL('../../../bin/ccag', import.meta.url));
/** A shell word in double quotes (Claude Code runs the helper through a shell). */
const quote = (s: string) => `"${s.replace(/(["\\$`])/g, '\\$1')}"`;

/** What Claude Code runs for its credential: this ccag, by absolute path, for this profile. */
export function tokenHelper(profile: string): string {
  return `${quote(process.execPath)} ${quote(ccagBin)} token --profile ${quote(profile)}`;
}

/** The keychain account of a profile's connect credential (not its admin session). */
const connectAccount = (profile: string, url: string) => `${credentialAccount(profile, url)}#connect`;

export function connectCommand(): Command {
  return new Command('connect')
    .description('set up Claude Code to use a gateway: the credential goes to the OS keychain, the settings point Claude Code at ccag')
    .argument('[url]', 'gateway URL')
    .option('--key <key>', 'a virtual key (sk-ccag-…) to use; CCAG_CONNECT_KEY works too')
    .addOption(new Option('--scope <scope>', 'user: ~/.claude/settings.json; project: ./.claude/settings.local.json').choices(['user', 'project']).default('user'))
    .option('--dry-run', 'show what would change in the settings, change nothing')
    .action(
      action<{ key?: string; scope: SettingsScope; dryRun?: boolean }>(async (ctx, [urlArg], o) => {
        const url = (urlArg ?? ctx.options.gateway ?? process.env.CCAG_URL ?? readProfiles().profiles[ctx.profile]?.url)?.replace(/\/+$/, '');
        if (!url) throw usageError('missing the gateway URL: ccag connect https://gw.example.com');
        const key = o.key ?? process.env.CCAG_CONNECT_KEY;
        if (!key) throw usageError('give --key sk-ccag-… (sign-in through your company IdP comes with SSO support)');
        // Verify with a real request before changing anything.
        const me = await new AdminClient(url, key).call<Me>('GET', '/admin/v1/me');
        const path = settingsPath(o.scope);
        const before = readSettings(path);
        const { settings, removed } = connectSettings(before, url, tokenHelper(ctx.profile));
        if (o.dryRun) {
          process.stdout.write(`${path}\n${settingsDiff(before, settings) || '(no change)'}\n`);
          return;
        }
        await setSecret(connectAccount(ctx.profile, url), key);
        const backup = writeSettings(path, settings);
        const file = readProfiles();
        file.profiles[ctx.profile] = { ...file.profiles[ctx.profile], url, connect: { scope: o.scope, settings: path } };
        file.current ??= ctx.profile;
        writeProfiles(file);
        const who = me.user?.email ?? me.user?.username ?? me.team?.name ?? me.auth.key_prefix;
        if (ctx.out.mode === 'json') ctx.out.json({ url, settings: path, backup: backup ?? null, removed, as: who });
        else {
          ctx.out.say(`Connected Claude Code to ${url} as ${who}.`);
          ctx.out.say(`Settings: ${path}${backup ? ` (previous copy: ${backup})` : ''}${removed.length ? `; removed ${removed.join(', ')}` : ''}.`);
        }
      }),
    );
}

export function tokenCommand(): Command {
  return new Command('token').description('print the credential Claude Code should use (its apiKeyHelper runs this)').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      const secret = await getSecret(connectAccount(ctx.profile, url));
      if (!secret) throw new CliError(`not connected to ${url}: run \`ccag connect ${url}\``, exitCodes.auth, 'authentication_error');
      process.stdout.write(secret + '\n');
    }),
  );
}

export function disconnectCommand(): Command {
  return new Command('disconnect').description('undo ccag connect: take the gateway out of the Claude Code settings and forget the credential').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      const profile = readProfiles().profiles[ctx.profile];
      const path = profile?.connect?.settings ?? settingsPath('user');
      writeSettings(path, disconnectSettings(readSettings(path), url, tokenHelper(ctx.profile)));
      await deleteSecret(connectAccount(ctx.profile, url));
      const file = readProfiles();
      if (file.profiles[ctx.profile]) delete file.profiles[ctx.profile]!.connect;
      writeProfiles(file);
      ctx.out.say(`Disconnected Claude Code from ${url} (${path}).`);
    }),
  );
}
