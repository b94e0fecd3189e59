import { Command } from 'commander';
import type { DeviceSession } from '../../api/schemas.js';
import { action } from '../action.js';
import type { Column } from '../output.js';
import { confirmed } from '../prompt.js';

const deviceColumns: Column<DeviceSession>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'USER', value: (d) => d.user },
  { header: 'VIA', value: (d) => d.idp ?? 'password' },
  { header: 'SIGNED IN', value: (d) => d.created_at },
  { header: 'LAST REFRESH', value: (d) => d.last_refresh_at },
  { header: 'ENDS', value: (d) => d.revoked_at ? `revoked ${d.revoked_at}` : d.expires_at },
  { header: 'FROM', value: (d) => d.ip },
];

export function devicesCommand(): Command {
  const devices = new Command('devices').description('signed-in devices (ccag connect / login --sso): list and sign out');

  devices
    .command('list')
    .description('list signed-in devices: yours, your team\'s (team admins) or everyone\'s (admins)')
    .option('--user <user>', 'only this user\'s (email, name or id)')
    .option('--all', 'include ended sign-ins')
    .action(
      action<{ user?: string; all?: boolean }>(async (ctx, _args, o) => {
        const rows = await (await ctx.client()).listAll<DeviceSession>('/admin/v1/devices', { user: o.user, all: o.all ? 'true' : undefined });
        ctx.out.list(rows, deviceColumns, (d) => d.id);
      }),
    );

  devices
    .command('revoke')
    .description('sign a device out: its refresh and access tokens stop working on every replica')
    .argument('<id>', 'device id (from ccag devices list)')
    .action(
      action(async (ctx, [id]) => {
        if (!(await confirmed(`Sign out device ${id}?`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', `/admin/v1/devices/${encodeURIComponent(id!)}`);
        ctx.out.say(`Signed out device ${id}.`);
      }),
    );

  return devices;
}
