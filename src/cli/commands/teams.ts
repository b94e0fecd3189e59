import { Command, Option } from 'commander';
import type { Team, TeamRouting, User } from '../../api/schemas.js';
import { routingStrategies } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed, required } from '../prompt.js';
import { userColumns } from './users.js';
import { addLimitOptions, limitFields, limitsText, type LimitOptions } from './limit-options.js';

const teamColumns: Column<Team>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'MEMBERS', value: (t) => t.member_count },
  { header: 'DESCRIPTION', value: (t) => t.description },
];

const teamFields: Column<Team>[] = [...teamColumns, { header: 'LIMITS', value: (t) => limitsText(t.limits) }, { header: 'CREATED', value: (t) => t.created_at }];
const path = (ref: string) => `/admin/v1/teams/${encodeURIComponent(ref)}`;

/** GET answers `strategy: null` for a team without routing of its own. */
type RoutingView = Omit<TeamRouting, 'strategy'> & { strategy: TeamRouting['strategy'] | null };
const routingFields: Column<RoutingView>[] = [
  { header: 'TEAM', value: (r) => r.team },
  { header: 'STRATEGY', value: (r) => r.strategy ?? 'none (every enabled endpoint, by priority)' },
  { header: 'ENDPOINTS', value: (r) => r.endpoints },
];

export function teamsCommand(): Command {
  const teams = new Command('teams').description('teams');

  addLimitOptions(teams.command('create'))
    .description('create a team')
    .argument('[name]', 'team name (letters, digits, ".", "_", "-")')
    .option('--description <text>', 'what the team is')
    .action(
      action<{ description?: string } & LimitOptions>(async (ctx, [nameArg], o) => {
        const name = await required(nameArg, 'the team name', 'Team name:');
        const team = await (await ctx.client()).call<Team>('POST', '/admin/v1/teams', { name, description: o.description, ...limitFields(o) });
        ctx.out.resource(team, teamFields, (t) => t.id);
      }),
    );

  teams
    .command('list')
    .description('list teams')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<Team>('/admin/v1/teams'), teamColumns, (t) => t.id);
      }),
    );

  teams
    .command('show')
    .description('show a team (by name or id)')
    .argument('<team>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        const team = await (await ctx.client()).call<Team>('GET', path(ref!));
        ctx.out.resource(team, teamFields, (t) => t.id);
      }),
    );

  addLimitOptions(teams.command('update'))
    .description('rename a team, or change its description or rate limits')
    .argument('<team>', 'name or id')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .action(
      action<{ name?: string; description?: string } & LimitOptions>(async (ctx, [ref], o) => {
        const limits = limitFields(o);
        if (o.name === undefined && o.description === undefined && Object.keys(limits).length === 0) {
          throw usageError('nothing to change: give --name, --description, --rpm, --tpm or --concurrency');
        }
        const team = await (await ctx.client()).call<Team>('PATCH', path(ref!), { name: o.name, description: o.description, ...limits });
        ctx.out.resource(team, teamFields, (t) => t.id);
      }),
    );

  teams
    .command('delete')
    .description('delete a team with no members and no active keys')
    .argument('<team>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Delete team ${ref}?`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(ref!));
        ctx.out.say(`Deleted team ${ref}.`);
      }),
    );

  teams
    .command('members')
    .description('list a team\'s members')
    .argument('<team>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        ctx.out.list(await (await ctx.client()).listAll<User>(`${path(ref!)}/members`), userColumns, (u) => u.id);
      }),
    );

  teams
    .command('add-member')
    .description('put a user in a team (a user belongs to one team)')
    .argument('<team>', 'name or id')
    .argument('<user>', 'email or id')
    .addOption(new Option('--role <role>', 'also set their role').choices(['team_admin', 'member', 'viewer']))
    .action(
      action<{ role?: string }>(async (ctx, [ref, user], o) => {
        const updated = await (await ctx.client()).call<User>('POST', `${path(ref!)}/members`, { user, role: o.role });
        ctx.out.resource(updated, userColumns, (u) => u.id);
      }),
    );

  teams
    .command('remove-member')
    .description('take a user out of a team')
    .argument('<team>', 'name or id')
    .argument('<user>', 'email or id')
    .action(
      action(async (ctx, [ref, user]) => {
        await (await ctx.client()).call('DELETE', `${path(ref!)}/members/${encodeURIComponent(user!)}`);
        ctx.out.say(`Removed ${user} from team ${ref}.`);
      }),
    );

  teams
    .command('routing')
    .description('show or set which endpoints a team\'s requests go to, and how')
    .argument('<team>', 'name or id')
    .addOption(new Option('--strategy <strategy>', 'how the endpoints are used (default primary-fallback)').choices([...routingStrategies]))
    .option('--endpoints <list>', 'endpoints, comma-separated (names or ids); replaces the list')
    .option('--clear', 'remove the team\'s routing: it uses every enabled endpoint, by priority')
    .action(
      action<{ strategy?: RoutingView['strategy']; endpoints?: string; clear?: boolean }>(async (ctx, [ref], o) => {
        const client = await ctx.client();
        const show = (r: RoutingView) => ctx.out.resource(r, routingFields, (v) => v.team);
        if (o.clear) {
          if (o.strategy !== undefined || o.endpoints !== undefined) throw usageError('--clear cannot go with --strategy or --endpoints');
          if (!(await confirmed(`Clear the routing of team ${ref}?`, Boolean(ctx.options.yes)))) return;
          await client.call('DELETE', `${path(ref!)}/routing`);
          ctx.out.say(`Cleared the routing of team ${ref}: it uses every enabled endpoint, by priority.`);
          return;
        }
        if (o.strategy === undefined && o.endpoints === undefined) return show(await client.call<RoutingView>('GET', `${path(ref!)}/routing`));
        // What is not given stays as it is.
        const current = o.strategy === undefined || o.endpoints === undefined ? await client.call<RoutingView>('GET', `${path(ref!)}/routing`) : undefined;
        const endpoints = o.endpoints !== undefined ? o.endpoints.split(',').map((s) => s.trim()).filter(Boolean) : current!.endpoints;
        if (endpoints.length === 0) throw usageError('give --endpoints: the team has no routing yet');
        show(await client.call<TeamRouting>('PUT', `${path(ref!)}/routing`, { strategy: o.strategy ?? current?.strategy ?? undefined, endpoints }));
      }),
    );

  return teams;
}
