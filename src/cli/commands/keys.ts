import { Command, Option } from 'commander';
import type { ApiKey, CreatedApiKey } from '../../api/schemas.js';
import { parseDuration, durationHint } from '../../api/duration.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed, required } from '../prompt.js';
import { addLimitOptions, limitFields, limitsText, type LimitOptions } from './limit-options.js';

export const keyColumns: Column<ApiKey>[] = [
  { header: 'ID', value: (k) => k.id },
  { header: 'PREFIX', value: (k) => k.prefix },
  { header: 'NAME', value: (k) => k.name },
  { header: 'SCOPE', value: (k) => k.scope },
  { header: 'USER', value: (k) => k.user },
  { header: 'TEAM', value: (k) => k.team },
  { header: 'STATUS', value: (k) => k.status },
  { header: 'EXPIRES', value: (k) => k.expires_at },
  { header: 'LAST USED', value: (k) => k.last_used_at },
];

const keyFields: Column<ApiKey>[] = [...keyColumns, { header: 'MODELS', value: (k) => k.models }, { header: 'LIMITS', value: (k) => limitsText(k.limits) }, { header: 'CREATED', value: (k) => k.created_at }];

/** `--expires 30d` or an RFC 3339 time → the API's expires_in / expires_at. */
export function expiryFields(expires: string | undefined): { expires_in?: string; expires_at?: string } {
  if (!expires) return {};
  if (parseDuration(expires)) return { expires_in: expires };
  if (!Number.isNaN(Date.parse(expires)) && /^\d{4}-\d{2}-\d{2}/.test(expires)) return { expires_at: new Date(expires).toISOString() };
  throw usageError(`--expires: "${expires}" is not ${durationHint}, nor a date such as 2027-01-31T00:00:00Z`);
}

function printCreated(ctx: { out: import('../output.js').Output }, key: CreatedApiKey): void {
  if (ctx.out.mode !== 'table') return ctx.out.resource(key, keyFields, (k) => k.key);
  ctx.out.resource(key, keyFields, (k) => k.id);
  process.stdout.write(`\nKey (shown once; store it now):\n${key.key}\n`);
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('virtual API keys');

  addLimitOptions(keys.command('create'))
    .description('create a key; its secret is shown once')
    .option('--name <name>', 'what the key is for')
    .option('--user <user>', 'owner (email or id); default: you')
    .option('--team <team>', 'team that pays (name or id); without --user, a team key')
    .option('--expires <when>', 'lifetime such as 30d or 12h, or an RFC 3339 time')
    .option('--models <ids>', 'comma-separated model ids the key may use (default: any)')
    .option('--budget <usd>', 'a monthly budget for the key in USD (blocks at 100%)')
    .addOption(new Option('--scope <scope>', 'inference, or admin for automation').choices(['inference', 'admin']).default('inference'))
    .action(
      action<{ name?: string; user?: string; team?: string; expires?: string; models?: string; budget?: string; scope: string } & LimitOptions>(async (ctx, _args, o) => {
        const name = await required(o.name, '--name', 'Key name:');
        const budget = o.budget === undefined ? undefined : Number(o.budget);
        if (budget !== undefined && !(budget > 0)) throw usageError(`--budget: "${o.budget}" is not an amount in USD`);
        const body = {
          name,
          user: o.user,
          team: o.team,
          scope: o.scope,
          models: o.models ? o.models.split(',').map((m) => m.trim()).filter(Boolean) : undefined,
          budget_usd: budget,
          ...limitFields(o),
          ...expiryFields(o.expires),
        };
        const key = await (await ctx.client()).call<CreatedApiKey>('POST', '/admin/v1/keys', body);
        printCreated(ctx, key);
      }),
    );

  keys
    .command('list')
    .description('list keys you may see')
    .option('--user <user>', 'only this user\'s keys')
    .option('--team <team>', 'only this team\'s keys')
    .option('--all', 'include revoked keys')
    .option('--limit <n>', 'at most this many')
    .action(
      action<{ user?: string; team?: string; all?: boolean; limit?: string }>(async (ctx, _args, o) => {
        const rows = await (await ctx.client()).listAll<ApiKey>(
          '/admin/v1/keys',
          { user: o.user, team: o.team, include_revoked: o.all ? 'true' : undefined },
          o.limit ? Number(o.limit) : undefined,
        );
        ctx.out.list(rows, keyColumns, (k) => k.id);
      }),
    );

  keys
    .command('show')
    .description('show a key (by id or visible prefix)')
    .argument('<key>', 'key id or prefix')
    .action(
      action(async (ctx, [ref]) => {
        const key = await (await ctx.client()).call<ApiKey>('GET', `/admin/v1/keys/${encodeURIComponent(ref!)}`);
        ctx.out.resource(key, keyFields, (k) => k.id);
      }),
    );

  keys
    .command('revoke')
    .description('revoke a key: it stops working on every replica within seconds')
    .argument('<key>', 'key id or prefix')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Revoke key ${ref}? Anything using it stops working.`, Boolean(ctx.options.yes)))) return;
        const key = await (await ctx.client()).call<ApiKey>('POST', `/admin/v1/keys/${encodeURIComponent(ref!)}/revoke`);
        ctx.out.resource(key, keyFields, (k) => k.id);
      }),
    );

  keys
    .command('rotate')
    .description('replace a key with a new secret; the old one keeps working for a grace period')
    .argument('<key>', 'key id or prefix')
    .option('--grace-period <duration>', 'how long the old key stays valid (default 24h; 0s ends it now)')
    .action(
      action<{ gracePeriod?: string }>(async (ctx, [ref], o) => {
        if (o.gracePeriod !== undefined && parseDuration(o.gracePeriod) === undefined) {
          throw usageError(`--grace-period: "${o.gracePeriod}" is not ${durationHint}`);
        }
        const body = o.gracePeriod !== undefined ? { grace_period: o.gracePeriod } : {};
        const key = await (await ctx.client()).call<CreatedApiKey>('POST', `/admin/v1/keys/${encodeURIComponent(ref!)}/rotate`, body);
        printCreated(ctx, key);
      }),
    );

  return keys;
}
