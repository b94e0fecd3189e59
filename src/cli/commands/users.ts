import { Command, Option } from 'commander';
import { roles, type User } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { readStdin, required } from '../prompt.js';
import { addLimitOptions, limitFields, limitsText, type LimitOptions } from './limit-options.js';

export const userColumns: Column<User>[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'EMAIL', value: (u) => u.email ?? u.username },
  { header: 'NAME', value: (u) => u.name },
  { header: 'ROLE', value: (u) => u.role },
  { header: 'TEAM', value: (u) => u.team },
  { header: 'ACTIVE', value: (u) => (u.active ? 'yes' : 'no') },
];

const userFields: Column<User>[] = [
  ...userColumns,
  { header: 'USERNAME', value: (u) => u.username },
  { header: 'PASSWORD', value: (u) => (u.has_password ? 'set' : 'none') },
  { header: 'LIMITS', value: (u) => limitsText(u.limits) },
  { header: 'CREATED', value: (u) => u.created_at },
  { header: 'LAST LOGIN', value: (u) => u.last_login_at },
];

const roleOption = () => new Option('--role <role>', 'admin, team_admin, member or viewer').choices(roles);

export function usersCommand(): Command {
  const users = new Command('users').description('users');

  users
    .command('list')
    .description('list users')
    .option('--team <team>', 'only members of this team')
    .addOption(roleOption())
    .option('--active', 'only active users')
    .option('--inactive', 'only deactivated users')
    .option('--limit <n>', 'at most this many')
    .action(
      action<{ team?: string; role?: string; active?: boolean; inactive?: boolean; limit?: string }>(async (ctx, _args, o) => {
        if (o.active && o.inactive) throw usageError('give --active or --inactive, not both');
        const active = o.active ? 'true' : o.inactive ? 'false' : undefined;
        const rows = await (await ctx.client()).listAll<User>('/admin/v1/users', { team: o.team, role: o.role, active }, o.limit ? Number(o.limit) : undefined);
        ctx.out.list(rows, userColumns, (u) => u.id);
      }),
    );

  users
    .command('show')
    .description('show a user (by id or email)')
    .argument('<user>', 'id or email')
    .action(
      action(async (ctx, [ref]) => {
        const user = await (await ctx.client()).call<User>('GET', `/admin/v1/users/${encodeURIComponent(ref!)}`);
        ctx.out.resource(user, userFields, (u) => u.id);
      }),
    );

  addLimitOptions(users.command('create'))
    .description('create a user')
    .option('--email <email>', 'email (also their sign-in name)')
    .option('--name <name>', 'display name')
    .addOption(roleOption().default('member'))
    .option('--team <team>', 'team that pays for their use')
    .option('--password-stdin', 'read a password for gateway sign-in from standard input')
    .action(
      action<{ email?: string; name?: string; role: string; team?: string; passwordStdin?: boolean } & LimitOptions>(async (ctx, _args, o) => {
        const email = await required(o.email, '--email', 'Email:');
        const password = o.passwordStdin ? await readStdin() : undefined;
        const user = await (await ctx.client()).call<User>('POST', '/admin/v1/users', { email, name: o.name, role: o.role, team: o.team, password, ...limitFields(o) });
        ctx.out.resource(user, userFields, (u) => u.id);
      }),
    );

  addLimitOptions(users.command('update'))
    .description('change a user')
    .argument('<user>', 'id or email')
    .option('--email <email>', 'new email')
    .option('--name <name>', 'new display name')
    .addOption(roleOption())
    .option('--team <team>', 'move to this team')
    .option('--no-team', 'take out of their team')
    .option('--password-stdin', 'read a new password from standard input')
    .action(
      action<{ email?: string; name?: string; role?: string; team?: string | false; passwordStdin?: boolean } & LimitOptions>(async (ctx, [ref], o) => {
        const body: Record<string, unknown> = { email: o.email, name: o.name, role: o.role, ...limitFields(o) };
        if (o.team === false) body.team = null;
        else if (typeof o.team === 'string') body.team = o.team;
        if (o.passwordStdin) body.password = await readStdin();
        for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
        if (Object.keys(body).length === 0) throw usageError('nothing to change: give --email, --name, --role, --team, --no-team, --password-stdin, --rpm, --tpm or --concurrency');
        const user = await (await ctx.client()).call<User>('PATCH', `/admin/v1/users/${encodeURIComponent(ref!)}`, body);
        ctx.out.resource(user, userFields, (u) => u.id);
      }),
    );

  for (const [verb, help] of [
    ['deactivate', 'deactivate a user: their keys and sessions stop working on every replica within seconds'],
    ['activate', 'reactivate a user'],
    ['sign-out', 'end every device sign-in and login session of a user (their keys keep working: revoke those separately)'],
  ] as const) {
    users
      .command(verb)
      .description(help)
      .argument('<user>', 'id or email')
      .action(
        action(async (ctx, [ref]) => {
          const user = await (await ctx.client()).call<User>('POST', `/admin/v1/users/${encodeURIComponent(ref!)}/${verb}`);
          ctx.out.resource(user, userFields, (u) => u.id);
        }),
      );
  }
  return users;
}
