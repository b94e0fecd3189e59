import { Command, Option } from 'commander';
import { budgetPeriods, type BudgetEvent, type BudgetRule, type BudgetView } from '../../api/schemas.js';
import { action } from '../action.js';
import type { CommandContext } from '../context.js';
import { CliError, exitCodes, usageError } from '../errors.js';
import type { Column } from '../output.js';

const budgetColumns: Column<BudgetView>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'SCOPE', value: (b) => b.scope },
  { header: 'TARGET', value: (b) => b.target },
  { header: 'AMOUNT', value: (b) => `$${b.amount_usd.toFixed(2)}` },
  { header: 'PERIOD', value: (b) => b.period },
  { header: 'SPENT', value: (b) => `$${b.spent_usd.toFixed(2)}` },
  { header: 'REMAINING', value: (b) => `$${b.remaining_usd.toFixed(2)}` },
  { header: 'RESETS', value: (b) => b.resets_at },
  { header: 'RULES', value: (b) => b.rules.map(formatRule).join(' ') },
];

const formatRule = (r: BudgetRule) => `${r.pct}:${r.action}${r.action === 'throttle' ? `=${r.rpm}` : ''}`;

/** `80:notify`, `90:throttle=5`, `100:block`. */
export function parseRule(text: string): BudgetRule {
  const m = /^(\d{1,4}):(notify|block|throttle=(\d{1,6}))$/.exec(text.trim());
  if (!m) throw usageError(`--rule: "${text}" is not PERCENT:notify, PERCENT:throttle=RPM or PERCENT:block (e.g. 80:notify)`);
  const pct = Number(m[1]);
  if (m[2] === 'notify' || m[2] === 'block') return { pct, action: m[2] };
  return { pct, action: 'throttle', rpm: Number(m[3]) };
}

interface TargetOptions {
  user?: string;
  team?: string;
  key?: string;
}

function targetOf(o: TargetOptions): { scope: 'user' | 'team' | 'key'; target: string } {
  const given = (['user', 'team', 'key'] as const).filter((s) => o[s]);
  if (given.length !== 1) throw usageError('give exactly one of --user, --team or --key');
  return { scope: given[0]!, target: o[given[0]!]! };
}

/** A budget by id, or by what it limits. */
async function findBudget(ctx: CommandContext, id: string | undefined, o: TargetOptions): Promise<BudgetView> {
  const client = await ctx.client();
  if (id) return client.call<BudgetView>('GET', `/admin/v1/budgets/${encodeURIComponent(id)}`);
  const { scope, target } = targetOf(o);
  const all = await client.listAll<BudgetView>('/admin/v1/budgets');
  const found = all.find((b) => b.scope === scope && (b.target === target || b.target_id === target || b.target?.toLowerCase() === target.toLowerCase()));
  if (!found) throw new CliError(`no budget for ${scope} ${target}`, exitCodes.notFound, 'not_found_error');
  return found;
}

const targetFlags = (c: Command) => c.option('--user <user>', 'a user (email or id)').option('--team <team>', 'a team (name or id)').option('--key <key>', 'a key (prefix or id)');

export function budgetsCommand(): Command {
  const budgets = new Command('budgets').description('spend limits per user, team or key, per UTC day, week or month');

  targetFlags(
    budgets
      .command('set')
      .description('set (or replace) the budget of a user, team or key')
      .requiredOption('--amount <usd>', 'limit in USD')
      .addOption(new Option('--period <period>', 'calendar period (UTC; weeks start Monday)').choices(budgetPeriods).default('monthly'))
      .option('--rule <rule>', 'PERCENT:notify | PERCENT:throttle=RPM | PERCENT:block (repeatable; default 80:notify 100:block)', (v: string, prev: string[] = []) => [...prev, v]),
  ).action(
    action<TargetOptions & { amount: string; period: string; rule?: string[] }>(async (ctx, _args, o) => {
      const amount = Number(o.amount);
      if (!Number.isFinite(amount) || amount <= 0) throw usageError(`--amount: "${o.amount}" is not an amount in USD`);
      const body = { ...targetOf(o), amount_usd: amount, period: o.period, ...(o.rule ? { rules: o.rule.map(parseRule) } : {}) };
      const view = await (await ctx.client()).call<BudgetView>('PUT', '/admin/v1/budgets', body);
      ctx.out.resource(view, budgetColumns, (b) => b.id);
    }),
  );

  budgets
    .command('list')
    .description('budgets you may see, with this period\'s spend')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<BudgetView>('/admin/v1/budgets'), budgetColumns, (b) => b.id);
      }),
    );

  targetFlags(budgets.command('show').description('one budget, by id or by --user/--team/--key').argument('[id]', 'budget id')).action(
    action<TargetOptions>(async (ctx, [id], o) => {
      ctx.out.resource(await findBudget(ctx, id, o), budgetColumns, (b) => b.id);
    }),
  );

  targetFlags(budgets.command('events').description('thresholds a budget crossed (each once per period), by id or by --user/--team/--key').argument('[id]', 'budget id')).action(
    action<TargetOptions>(async (ctx, [id], o) => {
      const budget = await findBudget(ctx, id, o);
      const events = await (await ctx.client()).listAll<BudgetEvent>(`/admin/v1/budgets/${budget.id}/events`);
      ctx.out.list(
        events,
        [
          { header: 'TIME', value: (e) => e.at },
          { header: 'PERIOD', value: (e) => e.period_start },
          { header: 'THRESHOLD', value: (e) => `${e.pct}%` },
          { header: 'ACTION', value: (e) => e.action },
          { header: 'SPENT', value: (e) => `$${e.spent_usd.toFixed(2)}` },
        ],
        (e) => `${e.period_start} ${e.pct}`,
      );
    }),
  );

  targetFlags(budgets.command('clear').description('remove a budget, by id or by --user/--team/--key').argument('[id]', 'budget id')).action(
    action<TargetOptions>(async (ctx, [id], o) => {
      const budget = await findBudget(ctx, id, o);
      await (await ctx.client()).call('DELETE', `/admin/v1/budgets/${budget.id}`);
      ctx.out.say(`Cleared the ${budget.period} budget of ${budget.scope} ${budget.target}.`);
    }),
  );
  return budgets;
}
