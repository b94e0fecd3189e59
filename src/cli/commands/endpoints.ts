import { Command, Option } from 'commander';
import type { EndpointTestResult, EndpointView } from '../../api/schemas.js';
import { profilePrefixes } from '../../api/schemas.js';
import { action } from '../action.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed, required } from '../prompt.js';

const credentialsText = (e: EndpointView) => (e.credentials.type === 'assume_role' ? e.credentials.roleArn : 'default');

/** `closed (12 req, 1 err, 340 ms)`: this replica's circuits of the endpoint's models. */
const healthText = ({ health: h }: EndpointView) => `${h.state} (${h.requests} req, ${h.errors} err${h.latency_ms === null ? '' : `, ${h.latency_ms} ms`})`;

const endpointColumns: Column<EndpointView>[] = [
  { header: 'NAME', value: (e) => e.name },
  { header: 'REGION', value: (e) => e.region },
  { header: 'CREDENTIALS', value: credentialsText },
  { header: 'PREFIX', value: (e) => e.profile_prefix ?? 'auto' },
  { header: 'PRIORITY', value: (e) => e.priority },
  { header: 'WEIGHT', value: (e) => e.weight },
  { header: 'ENABLED', value: (e) => (e.enabled ? 'yes' : 'no') },
  { header: 'HEALTH', value: healthText },
];

const endpointFields: Column<EndpointView>[] = [
  { header: 'ID', value: (e) => e.id },
  ...endpointColumns,
  { header: 'EXTERNAL ID', value: (e) => (e.credentials.type === 'assume_role' ? e.credentials.externalId : undefined) },
  { header: 'SESSION NAME', value: (e) => (e.credentials.type === 'assume_role' ? e.credentials.sessionName : undefined) },
  { header: 'MODEL ARNS', value: (e) => Object.entries(e.model_arns).map(([model, arn]) => `${model}=${arn}`).join(', ') },
  { header: 'ENDPOINT URL', value: (e) => e.endpoint_url ?? 'AWS default' },
  { header: 'CIRCUITS', value: (e) => e.health.models.map((m) => `${m.model}: ${m.state}${m.last_error ? ` (${m.last_error})` : ''}`).join('; ') },
  { header: 'UPDATED', value: (e) => e.updated_at },
];

const path = (ref: string) => `/admin/v1/endpoints/${encodeURIComponent(ref)}`;
const collect = (value: string, previous: string[] = []) => [...previous, value];

interface EndpointOptions {
  region?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  defaultCredentials?: boolean;
  profilePrefix?: string | false;
  modelArn?: string[] | false;
  priority?: string;
  weight?: string;
  enabled?: boolean;
  disabled?: boolean;
  endpointUrl?: string | false;
}

export function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw usageError(`${flag}: "${text}" is not a whole number of at least ${min}`);
  return n;
}

/** `MODEL=ARN` pairs as the API's `model_arns` map. */
function modelArns(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1 || eq === pair.length - 1) throw usageError(`--model-arn ${pair}: use MODEL=ARN, such as claude-sonnet-4-5=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** The credentials the flags give; on update, a changed external id or session name keeps the stored role. */
async function credentials(o: EndpointOptions, current?: () => Promise<EndpointView>): Promise<Record<string, unknown> | undefined> {
  const roleFlags = o.roleArn !== undefined || o.externalId !== undefined || o.sessionName !== undefined;
  if (o.defaultCredentials) {
    if (roleFlags) throw usageError('--default-credentials cannot go with --role-arn, --external-id or --session-name');
    return { type: 'default' };
  }
  if (!roleFlags) return undefined;
  let base: Record<string, unknown> = {};
  if (o.roleArn === undefined) {
    const stored = current ? (await current()).credentials : undefined;
    if (stored?.type !== 'assume_role') throw usageError('--external-id and --session-name need --role-arn');
    base = stored;
  }
  return { ...base, type: 'assume_role', ...(o.roleArn !== undefined && { roleArn: o.roleArn }), ...(o.externalId !== undefined && { externalId: o.externalId }), ...(o.sessionName !== undefined && { sessionName: o.sessionName }) };
}

/** The endpoint fields the flags give, as the API takes them (left out: unchanged). */
async function endpointBody(o: EndpointOptions, current?: () => Promise<EndpointView>): Promise<Record<string, unknown>> {
  if (o.enabled && o.disabled) throw usageError('give --enabled or --disabled, not both');
  const body: Record<string, unknown> = {
    region: o.region,
    credentials: await credentials(o, current),
    profile_prefix: o.profilePrefix === false ? null : o.profilePrefix,
    model_arns: o.modelArn === false ? {} : o.modelArn && modelArns(o.modelArn),
    priority: wholeNumber('--priority', o.priority, 0),
    weight: wholeNumber('--weight', o.weight, 1),
    enabled: o.disabled ? false : o.enabled ? true : undefined,
    endpoint_url: o.endpointUrl === false ? null : o.endpointUrl,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

function withEndpointOptions(command: Command): Command {
  return command
    .option('--region <region>', 'AWS region, such as us-east-1')
    .option('--role-arn <arn>', 'assume this IAM role (STS AssumeRole) instead of using the default credentials')
    .option('--external-id <id>', 'external id for AssumeRole')
    .option('--session-name <name>', 'role session name (default ccag-<host name>)')
    .addOption(new Option('--profile-prefix <prefix>', "inference-profile prefix (default: the region's)").choices([...profilePrefixes]))
    .option('--model-arn <MODEL=ARN>', 'application inference profile ARN for a model; repeat (replaces the list)', collect)
    .option('--priority <n>', 'lower is tried first (default 100)')
    .option('--weight <n>', 'share in round-robin, 1-1000 (default 1)')
    .option('--endpoint-url <url>', 'Bedrock runtime URL override (VPC endpoint)')
    .option('--enabled', 'route requests to it')
    .option('--disabled', 'route no requests to it');
}

const show = (ctx: CommandContext, endpoint: EndpointView) => ctx.out.resource(endpoint, endpointFields, (e) => e.id);

export function endpointsCommand(): Command {
  const endpoints = new Command('endpoints').description('Bedrock endpoints: the accounts and regions requests are routed to (admins)');

  withEndpointOptions(endpoints.command('add'))
    .description('add an endpoint')
    .argument('[name]', 'a short name (letters, digits, ".", "_", "-")')
    .action(
      action<EndpointOptions>(async (ctx, [nameArg], o) => {
        const name = await required(nameArg, 'the endpoint name', 'Name:');
        const region = await required(o.region, '--region', 'AWS region:');
        show(ctx, await (await ctx.client()).call<EndpointView>('POST', '/admin/v1/endpoints', { ...(await endpointBody(o)), name, region }));
      }),
    );

  endpoints
    .command('list')
    .description("list endpoints by priority, with this replica's view of their health")
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<EndpointView>('/admin/v1/endpoints'), endpointColumns, (e) => e.id);
      }),
    );

  endpoints
    .command('show')
    .description('show an endpoint (by name or id)')
    .argument('<endpoint>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        show(ctx, await (await ctx.client()).call<EndpointView>('GET', path(ref!)));
      }),
    );

  withEndpointOptions(endpoints.command('update'))
    .description('change an endpoint; health is kept')
    .argument('<endpoint>', 'name or id')
    .option('--name <name>', 'new name')
    .option('--default-credentials', 'sign with the default AWS credentials again (no AssumeRole)')
    .option('--no-profile-prefix', "use the region's own inference-profile prefix")
    .option('--no-model-arn', 'remove every application inference profile ARN')
    .option('--no-endpoint-url', "use the region's AWS URL")
    .action(
      action<EndpointOptions & { name?: string }>(async (ctx, [ref], o) => {
        const client = await ctx.client();
        const changes = { ...(await endpointBody(o, () => client.call<EndpointView>('GET', path(ref!)))), ...(o.name !== undefined && { name: o.name }) };
        if (Object.keys(changes).length === 0) throw usageError('nothing to change: give an option such as --region, --priority or --role-arn');
        show(ctx, await client.call<EndpointView>('PATCH', path(ref!), changes));
      }),
    );

  endpoints
    .command('remove')
    .description("remove an endpoint; teams that route to it lose it from their list")
    .argument('<endpoint>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Remove endpoint ${ref}?`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(ref!));
        ctx.out.say(`Removed endpoint ${ref}.`);
      }),
    );

  endpoints
    .command('test')
    .description('make a real, minimal call (one output token) through the endpoint')
    .argument('<endpoint>', 'name or id')
    .option('--model <model>', 'model to call (default claude-haiku-4-5)')
    .action(
      action<{ model?: string }>(async (ctx, [ref], o) => {
        const r = await (await ctx.client()).call<EndpointTestResult>('POST', `${path(ref!)}/test`, { model: o.model });
        if (ctx.out.mode === 'json') ctx.out.json(r);
        else ctx.out.say(r.ok ? `ok: ${r.endpoint} answered in ${r.latency_ms} ms (${r.bedrock_model})` : `failed: ${r.error} (${r.endpoint}, ${r.bedrock_model}, ${r.latency_ms} ms)`);
        if (!r.ok) process.exitCode = 1;
      }),
    );

  return endpoints;
}
