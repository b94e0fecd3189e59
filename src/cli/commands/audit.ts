import { Command } from 'commander';
import { durationHint, parseDuration } from '../../api/duration.js';
import type { AuditEntry } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';

export function auditCommand(): Command {
  return new Command('audit')
    .description('the audit log of admin changes (admins only)')
    .option('--since <duration>', 'how far back, e.g. 7d', '7d')
    .option('--action <action>', 'only this action, e.g. key.revoke')
    .action(
      action<{ since: string; action?: string }>(async (ctx, _args, o) => {
        const ms = parseDuration(o.since);
        if (ms === undefined) throw usageError(`--since: "${o.since}" is not ${durationHint}`);
        const since = new Date(Date.now() - ms).toISOString();
        const rows = await (await ctx.client()).listAll<AuditEntry>('/admin/v1/audit', { since, action: o.action });
        ctx.out.list(
          rows,
          [
            { header: 'TIME', value: (e) => e.at },
            { header: 'ACTOR', value: (e) => e.actor },
            { header: 'ACTION', value: (e) => e.action },
            { header: 'TARGET', value: (e) => `${e.target_type}:${e.target_id ?? '-'}` },
          ],
          (e) => e.id,
        );
      }),
    );
}
