import { Command } from 'commander';
import { durationHint, parseDuration } from '../../api/duration.js';
import type { AuditEntry } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';

export function auditCommand(): Command {
  return new Command('audit')
    .description('the audit log of admin, SCIM and policy changes (admins only)')
    .option('--since <duration>', 'how far back, e.g. 7d', '7d')
    .option('--until <duration>', 'only entries older than this, e.g. 1d')
    .option('--action <action>', 'only this action (key.revoke), or all of a kind (user.*)')
    .option('--actor <text>', 'only actors whose name contains this (alice@, scim:okta, sso:)')
    .option('--target-type <type>', 'only this kind of target: user, team, api_key, policy, identity_provider, scim_group…')
    .option('--target <id>', 'only this target id')
    .action(
      action<{ since: string; until?: string; action?: string; actor?: string; targetType?: string; target?: string }>(async (ctx, _args, o) => {
        const ago = (flag: string, text: string) => {
          const ms = parseDuration(text);
          if (ms === undefined) throw usageError(`${flag}: "${text}" is not ${durationHint}`);
          return new Date(Date.now() - ms).toISOString();
        };
        const rows = await (await ctx.client()).listAll<AuditEntry>('/admin/v1/audit', {
          since: ago('--since', o.since),
          until: o.until === undefined ? undefined : ago('--until', o.until),
          action: o.action,
          actor: o.actor,
          target_type: o.targetType,
          target_id: o.target,
        });
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
