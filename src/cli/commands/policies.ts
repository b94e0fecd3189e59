import { Command } from 'commander';
import type { PolicyExplanation, PolicyView } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed } from '../prompt.js';

const matchText = (p: PolicyView) => (p.default ? 'everyone' : [p.team && `team ${p.team}`, p.group && `group ${p.group}`].filter(Boolean).join(' and '));

const policyColumns: Column<PolicyView>[] = [
  { header: 'POS', value: (p) => p.position ?? 'default' },
  { header: 'NAME', value: (p) => p.name },
  { header: 'MATCHES', value: matchText },
  { header: 'MODELS', value: (p) => p.allowed_models ?? 'any' },
  { header: 'DENIED TOOLS', value: (p) => p.denied_tools },
  { header: 'MAX OUTPUT', value: (p) => p.max_output_tokens ?? 'no cap' },
];
const policyFields: Column<PolicyView>[] = [{ header: 'ID', value: (p) => p.id }, ...policyColumns, { header: 'UPDATED', value: (p) => p.updated_at }];

const explanationFields: Column<PolicyExplanation>[] = [
  { header: 'SUBJECT', value: (e) => [e.subject.user ?? (e.subject.key && `key ${e.subject.key}`), e.subject.team && `team ${e.subject.team}`, e.subject.groups.length && `groups ${e.subject.groups.join(',')}`].filter(Boolean).join(', ') },
  { header: 'POLICY', value: (e) => e.policy?.name ?? 'none' },
  { header: 'BECAUSE', value: (e) => e.reason },
  { header: 'SKIPPED', value: (e) => e.skipped.map((s) => `${s.name} (${s.reason})`).join('; ') },
  { header: 'MODEL', value: (e) => e.model && `${e.model.name}: ${e.model.allowed ? 'allowed' : 'refused'} (${e.model.reason})` },
  { header: 'TOOL', value: (e) => e.tool && `${e.tool.name}: ${e.tool.allowed ? 'kept' : 'removed'} (${e.tool.reason})` },
  { header: 'MAX OUTPUT', value: (e) => e.max_output_tokens ?? 'no cap' },
];

const path = (ref: string) => `/admin/v1/policies/${encodeURIComponent(ref)}`;

interface PolicyOptions {
  name?: string;
  team?: string;
  group?: string;
  models?: string;
  denyTools?: string;
  maxOutputTokens?: string;
  position?: string;
}

const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const orNone = (text: string | undefined, none: string) => (text === undefined ? undefined : text === none ? null : text);

function wholeNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw usageError(`${flag}: "${text}" is not a whole number above 0`);
  return n;
}

/** The policy fields the flags give, as the API takes them; `none` / `any` clears a field. */
function policyBody(o: PolicyOptions): Record<string, unknown> {
  const models = orNone(o.models, 'any');
  const tools = orNone(o.denyTools, 'none');
  const cap = orNone(o.maxOutputTokens, 'none');
  const body: Record<string, unknown> = {
    name: o.name,
    team: orNone(o.team, 'none'),
    group: orNone(o.group, 'none'),
    allowed_models: typeof models === 'string' ? list(models) : models,
    denied_tools: tools === null ? [] : tools !== undefined ? list(tools) : undefined,
    max_output_tokens: typeof cap === 'string' ? wholeNumber('--max-output-tokens', cap) : cap,
    position: o.position === undefined ? undefined : wholeNumber('--position', o.position),
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

const policyOptions = (c: Command) =>
  c
    .option('--team <team>', 'match this team (name or id; none: no team)')
    .option('--group <group>', 'match this IdP or SCIM group, case-insensitive (none: no group)')
    .option('--models <list>', 'allowed models, comma-separated; ids, aliases or prefixes ending in * (any: every model)')
    .option('--deny-tools <list>', 'tools removed from requests, comma-separated; names or prefixes ending in * (none: deny nothing)')
    .option('--max-output-tokens <n>', 'cap on max_tokens (none: no cap)')
    .option('--position <n>', 'where in the order (1 is tried first)');

export function policiesCommand(): Command {
  const policies = new Command('policies').description('what teams and IdP groups may use: models, tools, output tokens (first match wins, then the default)');

  policies
    .command('list')
    .description('policies in the order they are tried')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<PolicyView>('/admin/v1/policies'), policyColumns, (p) => p.id);
      }),
    );

  policies
    .command('show')
    .description('one policy (by name or id)')
    .argument('<policy>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        ctx.out.resource(await (await ctx.client()).call<PolicyView>('GET', path(ref!)), policyFields, (p) => p.id);
      }),
    );

  policyOptions(policies.command('create'))
    .description('add a policy for a team and/or a group (before the default), or the default policy')
    .argument('[name]', 'policy name (letters, digits, ".", "_", "-"); default: "default" with --default')
    .option('--default', 'the policy for everyone no other policy matches (always last)')
    .action(
      action<PolicyOptions & { default?: boolean }>(async (ctx, [name], o) => {
        if (!name && !o.default) throw usageError('missing the policy name (ccag policies create NAME --group GROUP …)');
        const body = { ...policyBody(o), name, default: o.default };
        const created = await (await ctx.client()).call<PolicyView>('POST', '/admin/v1/policies', body);
        ctx.out.resource(created, policyFields, (p) => p.id);
      }),
    );

  policyOptions(policies.command('update'))
    .description('change a policy; flags not given stay as they are')
    .argument('<policy>', 'name or id')
    .option('--name <name>', 'new name')
    .action(
      action<PolicyOptions>(async (ctx, [ref], o) => {
        const body = policyBody(o);
        if (Object.keys(body).length === 0) throw usageError('nothing to change: give --name, --team, --group, --models, --deny-tools, --max-output-tokens or --position');
        ctx.out.resource(await (await ctx.client()).call<PolicyView>('PATCH', path(ref!), body), policyFields, (p) => p.id);
      }),
    );

  policies
    .command('move')
    .description('change where a policy is tried (the others shift to make room)')
    .argument('<policy>', 'name or id')
    .requiredOption('--position <n>', 'new position (1 is tried first)')
    .action(
      action<{ position: string }>(async (ctx, [ref], o) => {
        const moved = await (await ctx.client()).call<PolicyView>('PATCH', path(ref!), { position: wholeNumber('--position', o.position) });
        ctx.out.resource(moved, policyFields, (p) => p.id);
      }),
    );

  policies
    .command('remove')
    .description('delete a policy')
    .argument('<policy>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Remove policy ${ref}?`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(ref!));
        ctx.out.say(`Removed policy ${ref}.`);
      }),
    );

  policies
    .command('explain')
    .description('which policy decides for a user or key (default: you), and what it does to a model and a tool')
    .option('--user <user>', 'a user (email or id)')
    .option('--key <key>', 'a key (prefix or id)')
    .option('--model <model>', 'is this model allowed?')
    .option('--tool <tool>', 'is this tool kept?')
    .action(
      action<{ user?: string; key?: string; model?: string; tool?: string }>(async (ctx, _args, o) => {
        const query = { user: o.user, key: o.key, model: o.model, tool: o.tool };
        const explained = await (await ctx.client()).call<PolicyExplanation>('GET', '/admin/v1/policies/explain', undefined, query);
        ctx.out.resource(explained, explanationFields, (e) => e.policy?.id ?? 'none');
      }),
    );

  return policies;
}
