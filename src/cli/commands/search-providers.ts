import { Command, Option } from 'commander';
import type { SearchAssignment, SearchProviderTestResult, SearchProviderView } from '../../api/schemas.js';
import { searchProviderKinds } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed, readStdin, required } from '../prompt.js';
import { wholeNumber } from './endpoints.js';

const assignmentText = (a: SearchAssignment) => (a.scope === 'gateway' ? 'gateway' : `${a.scope} ${a.subject}`);

const providerColumns: Column<SearchProviderView>[] = [
  { header: 'NAME', value: (p) => p.name },
  { header: 'KIND', value: (p) => p.kind },
  { header: 'URL', value: (p) => p.url ?? 'default' },
  { header: 'API KEY', value: (p) => (p.has_api_key ? 'set' : 'none') },
  { header: 'ASSIGNED TO', value: (p) => p.assignments.map(assignmentText).join(', ') || 'nobody' },
];

const providerFields: Column<SearchProviderView>[] = [
  { header: 'ID', value: (p) => p.id },
  ...providerColumns,
  { header: 'PRIVATE ADDRESSES', value: (p) => (p.allow_private ? 'allowed' : 'refused') },
  { header: 'TIMEOUT', value: (p) => (p.timeout_ms === null ? 'default (10000 ms)' : `${p.timeout_ms} ms`) },
  { header: 'UPDATED', value: (p) => p.updated_at },
];

const path = (ref: string) => `/admin/v1/search-providers/${encodeURIComponent(ref)}`;

interface ProviderOptions {
  kind?: string;
  url?: string;
  apiKeyStdin?: boolean;
  allowPrivate?: boolean;
  timeout?: string;
}

interface SubjectOptions {
  gatewayWide?: boolean;
  team?: string;
  user?: string;
}

function withProviderOptions(command: Command): Command {
  return command
    .addOption(new Option('--kind <kind>', 'the search service').choices([...searchProviderKinds]))
    .option('--url <url>', 'the service URL (required for searxng and custom; custom may hold {query})')
    .option('--api-key-stdin', 'read the API key from standard input (CCAG_SEARCH_API_KEY works too; required for brave, tavily and serper)')
    .option('--allow-private', 'let the URL be a loopback or private address (a SearXNG inside the network)')
    .option('--no-allow-private', 'refuse internal addresses again')
    .option('--timeout <ms>', 'per-attempt timeout in milliseconds (default 10000)');
}

async function body(o: ProviderOptions): Promise<Record<string, unknown>> {
  const key = o.apiKeyStdin ? (await readStdin()).trim() : process.env.CCAG_SEARCH_API_KEY;
  return { kind: o.kind, url: o.url, api_key: key || undefined, allow_private: o.allowPrivate, timeout_ms: wholeNumber('--timeout', o.timeout, 100) };
}

/** The API's `{scope, subject}` from exactly one of --gateway-wide, --team, --user (`--gateway` is the global option naming the gateway's URL). */
function subject(o: SubjectOptions): { scope: string; subject?: string } {
  const given = [o.gatewayWide && { scope: 'gateway' }, o.team !== undefined && { scope: 'team', subject: o.team }, o.user !== undefined && { scope: 'user', subject: o.user }].filter(Boolean);
  if (given.length !== 1) throw usageError('give one of --gateway-wide, --team TEAM or --user USER');
  return given[0] as { scope: string; subject?: string };
}

const withSubjectOptions = (command: Command) =>
  command.option('--gateway-wide', 'the gateway: everyone without a team or user assignment').option('--team <team>', 'a team (name or id)').option('--user <user>', 'a user (email, username or id)');

export function searchProvidersCommand(): Command {
  const providers = new Command('search-providers').description('web search providers and who searches with which (admins)');

  withProviderOptions(providers.command('add'))
    .description('add a web search provider; assign it to make it used')
    .argument('[name]', 'a short name')
    .action(
      action<ProviderOptions>(async (ctx, [nameArg], o) => {
        const name = await required(nameArg, 'the search provider name', 'Name:');
        const kind = await required(o.kind, '--kind', `Kind (${searchProviderKinds.join(', ')}):`);
        const created = await (await ctx.client()).call<SearchProviderView>('POST', '/admin/v1/search-providers', { ...(await body(o)), name, kind });
        ctx.out.resource(created, providerFields, (p) => p.id);
      }),
    );

  providers
    .command('list')
    .description('list search providers and their assignments')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<SearchProviderView>('/admin/v1/search-providers'), providerColumns, (p) => p.id);
      }),
    );

  providers
    .command('show')
    .description('show a search provider (by name or id)')
    .argument('<provider>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        ctx.out.resource(await (await ctx.client()).call<SearchProviderView>('GET', path(ref!)), providerFields, (p) => p.id);
      }),
    );

  withProviderOptions(providers.command('update'))
    .description('change a search provider')
    .argument('<provider>', 'name or id')
    .option('--name <name>', 'new name')
    .option('--no-api-key', 'remove the API key')
    .action(
      action<ProviderOptions & { name?: string; apiKey?: boolean }>(async (ctx, [ref], o) => {
        const changes = { ...(await body(o)), name: o.name, ...(o.apiKey === false && { api_key: null }) };
        if (Object.values(changes).every((v) => v === undefined)) throw usageError('nothing to change: give an option such as --url, --api-key-stdin or --timeout');
        ctx.out.resource(await (await ctx.client()).call<SearchProviderView>('PATCH', path(ref!), changes), providerFields, (p) => p.id);
      }),
    );

  providers
    .command('remove')
    .description('remove a search provider: whoever it was assigned to falls back to the next assignment up')
    .argument('<provider>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Remove search provider ${ref}? Its assignments go with it.`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(ref!));
        ctx.out.say(`Removed search provider ${ref}.`);
      }),
    );

  providers
    .command('test')
    .description('run one real search through the provider, from the gateway')
    .argument('<provider>', 'name or id')
    .option('--query <query>', 'what to search for (default "Claude Code")')
    .action(
      action<{ query?: string }>(async (ctx, [ref], o) => {
        const r = await (await ctx.client()).call<SearchProviderTestResult>('POST', `${path(ref!)}/test`, { query: o.query });
        if (ctx.out.mode === 'json') ctx.out.json(r);
        else ctx.out.say(r.ok ? `ok: ${r.results} results in ${r.latency_ms} ms${r.first ? `; first: ${r.first.title} <${r.first.url}>` : ''}` : `failed: ${r.error} (${r.latency_ms} ms)`);
        if (!r.ok) process.exitCode = 1;
      }),
    );

  withSubjectOptions(providers.command('assign'))
    .description("search with this provider for the gateway, a team or a user (a user's beats the team's, the team's the gateway's)")
    .argument('<provider>', 'name or id')
    .action(
      action<SubjectOptions>(async (ctx, [ref], o) => {
        const a = await (await ctx.client()).call<SearchAssignment>('PUT', `${path(ref!)}/assign`, subject(o));
        if (ctx.out.mode === 'json') ctx.out.json(a);
        else ctx.out.say(`${assignmentText(a)} searches with ${a.provider}.`);
      }),
    );

  withSubjectOptions(providers.command('unassign'))
    .description('drop the assignment of the gateway, a team or a user: the next one up applies')
    .action(
      action<SubjectOptions>(async (ctx, _args, o) => {
        const s = subject(o);
        await (await ctx.client()).call('DELETE', '/admin/v1/search-assignments', s);
        ctx.out.say(`Unassigned ${s.scope === 'gateway' ? 'the gateway' : `${s.scope} ${s.subject}`}.`);
      }),
    );

  return providers;
}
