import { Command, Option } from 'commander';
import { durationHint, parseDuration } from '../../api/duration.js';
import { spendGroups, type SpendRow } from '../../api/schemas.js';
import { spendCsv } from '../../api/spend-csv.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';

export function spendCommand(): Command {
  return new Command('spend')
    .description('spend report: requests, tokens and cost (USD) grouped by user, team, key, model or day')
    .addOption(new Option('--by <group>', 'how to group').choices(spendGroups).default('user'))
    .option('--since <duration>', 'how far back, e.g. 30d', '30d')
    .option('--user <user>', 'only this user')
    .option('--team <team>', 'only this team')
    .option('--model <model>', 'only this model')
    .option('--csv', 'CSV for spreadsheets')
    .action(
      action<{ by: string; since: string; user?: string; team?: string; model?: string; csv?: boolean }>(async (ctx, _args, o) => {
        const ms = parseDuration(o.since);
        if (ms === undefined) throw usageError(`--since: "${o.since}" is not ${durationHint}`);
        const rows = await (await ctx.client()).listAll<SpendRow>('/admin/v1/spend', {
          by: o.by,
          since: new Date(Date.now() - ms).toISOString(),
          user: o.user,
          team: o.team,
          model: o.model,
        });
        if (o.csv) {
          process.stdout.write(spendCsv(rows));
          return;
        }
        ctx.out.list(
          rows,
          [
            { header: o.by.toUpperCase(), value: (r) => r.group },
            { header: 'REQUESTS', value: (r) => r.requests },
            { header: 'INPUT', value: (r) => r.input_tokens },
            { header: 'OUTPUT', value: (r) => r.output_tokens },
            { header: 'CACHE READ', value: (r) => r.cache_read_tokens },
            { header: 'CACHE WRITE', value: (r) => r.cache_write_tokens },
            { header: 'COST USD', value: (r) => r.cost_usd.toFixed(4) },
            { header: 'UNPRICED', value: (r) => r.unpriced_requests || '' },
          ],
          (r) => r.group,
        );
      }),
    );
}
