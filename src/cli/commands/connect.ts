import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { Me } from '../../api/schemas.js';
import { action } from '../action.js';
import { AdminClient } from '../admin-client.js';
import {
  connectSettings,
  disconnectSettings,
  readSettings,
  settingsDiff,
  settingsPath,
  shellEnvConflicts,
  writeSettings,
  type SettingsScope,
} from '../claude-settings.js';
import type { CommandContext } from '../context.js';
import { canOpenBrowser, deviceLogin, discoverGateway, oauthPost } from '../device-login.js';
import { usageError } from '../errors.js';
import { readProfiles, writeProfiles } from '../profiles.js';
import { connectCredential, forgetTokens, replaceTokens, storeKey } from '../token-store.js';

const ccagBin = fileURLToPath(new URL('../../../bin/ccag', import.meta.url));
/** A shell word in double quotes (Claude Code runs the helper through a shell). */
const quote = (s: string) => `"${s.replace(/(["\\$`])/g, '\\$1')}"`;

/** What Claude Code runs for its credential: this ccag, by absolute path, for this profile. */
export function tokenHelper(profile: string): string {
  return `${quote(process.execPath)} ${quote(ccagBin)} token --profile ${quote(profile)}`;
}

/**
 * How long Claude Code keeps the helper's answer: half an access token's life. `ccag token`
 * hands out only tokens with more than that left, so Claude Code never holds an expired one.
 */
export function helperTtlMs(accessTokenTtlSeconds: number): number {
  return Math.max(30_000, (accessTokenTtlSeconds * 1000) / 2);
}

/** The gateway URL a command works on: the argument, --gateway, CCAG_URL, or the profile's. */
function gatewayUrlFrom(ctx: CommandContext, arg: string | undefined, example: string): string {
  const url = (arg ?? ctx.options.gateway ?? process.env.CCAG_URL ?? readProfiles().profiles[ctx.profile]?.url)?.replace(/\/+$/, '');
  if (!url) throw usageError(`missing the gateway URL: ${example} https://gw.example.com`);
  return url;
}

/** Who a credential is and what it may use: the proof that the setup works, from a real request. */
async function verify(url: string, credential: string): Promise<{ me: Me; models: string[] }> {
  const client = new AdminClient(url, credential);
  const me = await client.call<Me>('GET', '/admin/v1/me');
  const models = await client.call<{ data: { id: string }[] }>('GET', '/v1/models', undefined, { limit: '1000' });
  return { me, models: models.data.map((m) => m.id) };
}

export function connectCommand(): Command {
  return new Command('connect')
    .description('set up Claude Code to use a gateway: sign in through your company (device login), keep the credential in the OS keychain, write the Claude Code settings')
    .argument('[url]', 'gateway URL')
    .option('--key <key>', 'use a virtual key (sk-ccag-…) instead of signing in; CCAG_CONNECT_KEY works too')
    .addOption(new Option('--scope <scope>', 'user: ~/.claude/settings.json; project: ./.claude/settings.local.json').choices(['user', 'project']).default('user'))
    .option('--dry-run', 'show what would change in the settings, change nothing (no sign-in)')
    .action(
      action<{ key?: string; scope: SettingsScope; dryRun?: boolean }>(async (ctx, [urlArg], o) => {
        const url = gatewayUrlFrom(ctx, urlArg, 'ccag connect');
        const known = await discoverGateway(url);
        const key = o.key ?? process.env.CCAG_CONNECT_KEY;
        const path = settingsPath(o.scope);
        const before = readSettings(path);
        const settingsFor = (models?: string[]) =>
          connectSettings(before, {
            gatewayUrl: url,
            apiKeyHelper: tokenHelper(ctx.profile),
            helperTtlMs: key ? undefined : helperTtlMs(known.access_token_ttl_seconds),
            servableModels: models,
          });
        if (o.dryRun) {
          const models = key ? (await verify(url, key)).models : undefined;
          process.stdout.write(`${path}\n${settingsDiff(before, settingsFor(models).settings) || '(no change)'}\n`);
          return;
        }
        let credential: string;
        if (key) {
          credential = key;
        } else {
          const tokens = await deviceLogin(known, (line) => process.stderr.write(`${line}\n`), canOpenBrowser());
          await replaceTokens(ctx.profile, url, tokens);
          credential = tokens.access_token;
        }
        const { me, models } = await verify(url, credential);
        if (key) await storeKey(ctx.profile, url, key);
        const { settings, removed } = settingsFor(models);
        const backup = writeSettings(path, settings);
        const file = readProfiles();
        file.profiles[ctx.profile] = { ...file.profiles[ctx.profile], url, connect: { scope: o.scope, settings: path } };
        file.current ??= ctx.profile;
        writeProfiles(file);
        const conflicts = shellEnvConflicts(process.env);
        if (conflicts.length) process.stderr.write(`warning: your shell sets ${conflicts.join(', ')}; Claude Code would use that instead of the gateway: unset it (and remove it from your shell profile)\n`);
        const who = me.user?.email ?? me.user?.username ?? me.team?.name ?? me.auth.key_prefix ?? 'unknown';
        if (ctx.out.mode === 'json') {
          ctx.out.json({ url, settings: path, backup: backup ?? null, removed, as: who, team: me.team?.name ?? null, models, method: key ? 'key' : 'device' });
        } else {
          ctx.out.say(`Connected Claude Code to ${url} as ${who}${me.team ? ` (team ${me.team.name})` : ''}.`);
          ctx.out.say(`Models: ${models.length ? models.join(', ') : 'none yet (ask your admin)'}`);
          ctx.out.say(`Settings: ${path}${backup ? ` (previous copy: ${backup})` : ''}${removed.length ? `; removed ${removed.join(', ')}` : ''}.`);
        }
      }),
    );
}

export function tokenCommand(): Command {
  return new Command('token').description('print a valid credential for Claude Code and nothing else (its apiKeyHelper runs this)').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      process.stdout.write(`${await connectCredential(ctx.profile, url)}\n`);
    }),
  );
}

export function disconnectCommand(): Command {
  return new Command('disconnect').description('undo ccag connect: take the gateway out of the Claude Code settings, end the sign-in and forget the credential').action(
    action(async (ctx) => {
      const url = ctx.gatewayUrl();
      const profile = readProfiles().profiles[ctx.profile];
      const path = profile?.connect?.settings ?? settingsPath('user');
      writeSettings(path, disconnectSettings(readSettings(path), url, tokenHelper(ctx.profile)));
      const refreshToken = await forgetTokens(ctx.profile, url);
      // RFC 7009: ends the sign-in at the gateway too, so a copy of the token is worthless.
      const revoked = refreshToken ? await oauthPost(`${url}/oauth/revoke`, { token: refreshToken }).then(() => true, () => false) : true;
      const file = readProfiles();
      if (file.profiles[ctx.profile]) delete file.profiles[ctx.profile]!.connect;
      writeProfiles(file);
      ctx.out.say(`Disconnected Claude Code from ${url} (${path}).`);
      if (!revoked) process.stderr.write(`warning: the gateway could not be told to end the sign-in; it ends when it expires, or an admin can revoke it (ccag devices)\n`);
    }),
  );
}

