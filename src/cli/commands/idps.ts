import { Command, Option } from 'commander';
import type { IdentityProvider, IdpTestResult } from '../../api/schemas.js';
import { roles } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed, readStdin, required } from '../prompt.js';

const idpColumns: Column<IdentityProvider>[] = [
  { header: 'NAME', value: (p) => p.name },
  { header: 'ISSUER', value: (p) => p.issuer },
  { header: 'CLIENT ID', value: (p) => p.client_id },
  { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
  { header: 'AUTO-PROVISION', value: (p) => (p.auto_provision ? `yes (${p.default_role}${p.default_team ? `, ${p.default_team}` : ''})` : 'no') },
];

const idpFields: Column<IdentityProvider>[] = [
  { header: 'ID', value: (p) => p.id },
  ...idpColumns,
  { header: 'CLIENT SECRET', value: (p) => (p.has_client_secret ? 'set' : 'none (public client)') },
  { header: 'SCOPES', value: (p) => p.scopes.join(' ') },
  { header: 'USER CLAIM', value: (p) => p.user_claim },
  { header: 'GROUPS CLAIM', value: (p) => p.groups_claim },
  { header: 'ALLOWED DOMAINS', value: (p) => p.allowed_domains.join(', ') || 'any' },
  { header: 'GROUP MAPPINGS', value: (p) => p.group_mappings.map((m) => `${m.group}=${[m.team, m.role].filter(Boolean).join(':')}`).join(', ') || 'none' },
  { header: 'REDIRECT URI', value: (p) => p.redirect_uri },
  { header: 'SCIM', value: (p) => (p.scim.enabled ? `on (${p.scim.url}, token ${p.scim.token_prefix}…)` : 'off') },
  { header: 'FROM ENVIRONMENT', value: (p) => (p.seeded_from_env ? 'yes (OIDC_*)' : 'no') },
];

const path = (ref: string) => `/admin/v1/idps/${encodeURIComponent(ref)}`;
const collect = (value: string, previous: string[] = []) => [...previous, value];
const list = (value: string) => value.split(/[\s,]+/).filter(Boolean);

interface IdpOptions {
  issuer?: string;
  clientId?: string;
  clientSecretStdin?: boolean;
  noClientSecret?: boolean;
  scopes?: string;
  userClaim?: string;
  groupsClaim?: string;
  allowedDomains?: string;
  autoProvision?: boolean;
  defaultRole?: string;
  defaultTeam?: string;
  mapGroup?: string[];
  enabled?: boolean;
}

/** `GROUP=TEAM`, `GROUP=:ROLE` or `GROUP=TEAM:ROLE`. */
function groupMapping(text: string): { group: string; team?: string; role?: string } {
  const eq = text.lastIndexOf('=');
  if (eq < 1) throw usageError(`--map-group ${text}: use GROUP=TEAM, GROUP=:ROLE or GROUP=TEAM:ROLE`);
  const [team, role] = text.slice(eq + 1).split(':');
  if (role && !(roles as readonly string[]).includes(role)) throw usageError(`--map-group ${text}: the role must be one of ${roles.join(', ')}`);
  if (!team && !role) throw usageError(`--map-group ${text}: give a team, a role, or both`);
  return { group: text.slice(0, eq), ...(team && { team }), ...(role && { role }) };
}

function withIdpOptions(command: Command): Command {
  return command
    .option('--issuer <url>', 'issuer or discovery URL (https://…/.well-known/openid-configuration)')
    .option('--client-id <id>', 'client id registered at the IdP')
    .option('--client-secret-stdin', 'read the client secret from standard input (CCAG_IDP_CLIENT_SECRET works too)')
    .option('--scopes <list>', 'scopes to ask for (default "openid profile email offline_access")')
    .option('--user-claim <claim>', 'claim that names the user: email (default), preferred_username, upn, oid or sub')
    .option('--groups-claim <claim>', 'claim that carries group names (default groups)')
    .option('--allowed-domains <list>', 'email domains allowed to sign in (default: any)')
    .option('--auto-provision', 'create users on their first sign-in (default)')
    .option('--no-auto-provision', 'only users that already exist may sign in')
    .addOption(new Option('--default-role <role>', 'role of auto-provisioned users (default member)').choices([...roles]))
    .option('--default-team <team>', 'team of auto-provisioned users')
    .option('--map-group <GROUP=TEAM:ROLE>', 'IdP group to team and/or role; repeat; first match wins (replaces the list)', collect)
    .option('--enabled', 'sign-in through this IdP is allowed')
    .option('--disabled', 'sign-in through this IdP is refused');
}

async function body(o: IdpOptions & { disabled?: boolean }): Promise<Record<string, unknown>> {
  const secret = o.clientSecretStdin ? (await readStdin()).trim() : process.env.CCAG_IDP_CLIENT_SECRET;
  return {
    issuer: o.issuer,
    client_id: o.clientId,
    client_secret: secret || undefined,
    scopes: o.scopes ? list(o.scopes) : undefined,
    user_claim: o.userClaim,
    groups_claim: o.groupsClaim,
    allowed_domains: o.allowedDomains !== undefined ? list(o.allowedDomains) : undefined,
    // --auto-provision and --no-auto-provision together leave it undefined unless one is given.
    auto_provision: o.autoProvision,
    default_role: o.defaultRole,
    default_team: o.defaultTeam === undefined ? undefined : o.defaultTeam === '' ? null : o.defaultTeam,
    group_mappings: o.mapGroup?.map(groupMapping),
    enabled: o.disabled ? false : o.enabled ? true : undefined,
  };
}

export function idpsCommand(): Command {
  const idps = new Command('idps').description('OIDC identity providers for SSO (admins)');

  withIdpOptions(idps.command('add'))
    .description('add an identity provider; register the printed redirect URI at the IdP')
    .argument('[name]', 'a short name users see ("Continue with NAME")')
    .action(
      action<IdpOptions & { disabled?: boolean }>(async (ctx, [nameArg], o) => {
        const name = await required(nameArg, 'the identity provider name', 'Name:');
        const issuer = await required(o.issuer, '--issuer', 'Issuer URL:');
        const clientId = await required(o.clientId, '--client-id', 'Client id:');
        const created = await (await ctx.client()).call<IdentityProvider>('POST', '/admin/v1/idps', { ...(await body(o)), name, issuer, client_id: clientId });
        ctx.out.resource(created, idpFields, (p) => p.id);
      }),
    );

  idps
    .command('list')
    .description('list identity providers')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<IdentityProvider>('/admin/v1/idps'), idpColumns, (p) => p.id);
      }),
    );

  idps
    .command('show')
    .description('show an identity provider (by name or id)')
    .argument('<idp>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        ctx.out.resource(await (await ctx.client()).call<IdentityProvider>('GET', path(ref!)), idpFields, (p) => p.id);
      }),
    );

  withIdpOptions(idps.command('update'))
    .description('change an identity provider')
    .argument('<idp>', 'name or id')
    .option('--name <name>', 'new name')
    .option('--no-client-secret', 'remove the client secret (public client)')
    .action(
      action<IdpOptions & { name?: string; clientSecret?: boolean; disabled?: boolean }>(async (ctx, [ref], o) => {
        const changes = { ...(await body(o)), name: o.name, ...(o.clientSecret === false && { client_secret: null }) };
        if (Object.values(changes).every((v) => v === undefined)) throw usageError('nothing to change: give an option such as --issuer, --client-id or --map-group');
        ctx.out.resource(await (await ctx.client()).call<IdentityProvider>('PATCH', path(ref!), changes), idpFields, (p) => p.id);
      }),
    );

  idps
    .command('remove')
    .description('remove an identity provider: device sign-ins made through it end; its users keep their accounts')
    .argument('<idp>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Remove identity provider ${ref}? Devices signed in through it are signed out.`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(ref!));
        ctx.out.say(`Removed identity provider ${ref}.`);
      }),
    );

  idps
    .command('test')
    .description("check the IdP's discovery document from the gateway")
    .argument('<idp>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        const r = await (await ctx.client()).call<IdpTestResult>('POST', `${path(ref!)}/test`, {});
        if (ctx.out.mode === 'json') ctx.out.json(r);
        else ctx.out.say(r.ok ? `ok: ${r.issuer} (authorize at ${r.authorization_endpoint})` : `failed: ${r.error}`);
        if (!r.ok) process.exitCode = 1;
      }),
    );

  return idps;
}
