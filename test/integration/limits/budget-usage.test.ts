import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate } from '../../../src/db/migrate.js';
import type { Budget } from '../../../src/limits/budget-store.js';
import { usageRowStatement } from '../../../src/limits/budget-ledger.js';
import { periodOf } from '../../../src/limits/periods.js';
import { createTestDb, dbKinds, type TestDatabase } from '../../helpers/db.js';

/** Plan nodes (EXPLAIN … FORMAT JSON) on a relation, with how often each ran. */
function scansOf(plan: any, relation: string): { loops: number }[] {
  const own = plan['Relation Name'] === relation ? [{ loops: plan['Actual Loops'] as number }] : [];
  return [...own, ...((plan.Plans as any[] | undefined) ?? []).flatMap((p) => scansOf(p, relation))];
}

for (const kind of dbKinds) {
  describe(`a budget's usage row on ${kind}`, () => {
    let t: TestDatabase;
    let budget: Budget;
    const now = new Date();
    const { start } = periodOf('monthly', now);

    before(async () => {
      t = await createTestDb(kind);
      await migrate(t.db);
      const team = await t.db.query<{ id: string }>(`INSERT INTO teams (name) VALUES ('build') RETURNING id`);
      const row = await t.db.query<{ id: string }>(
        `INSERT INTO budgets (scope, target_id, amount_micros, period, rules) VALUES ('team', $1, 100000000, 'monthly', '[]') RETURNING id`,
        [team.rows[0]!.id],
      );
      budget = { id: row.rows[0]!.id, scope: 'team', targetId: team.rows[0]!.id, amountMicros: 100_000_000, period: 'monthly', rules: [], blockAtMicros: null };
      // The team's spend this period before the budget existed: 500 requests of $0.01.
      await t.db.query(
        `INSERT INTO requests (id, at, team_id, route, model, region, stream, status, cost_micros)
         SELECT 'req_history_' || i, $2, $1, 'messages', 'claude-sonnet-4-5', 'us-east-1', false, 200, 10000 FROM generate_series(1, 500) i`,
        [budget.targetId, now],
      );
    });
    after(() => t.drop());

    const ensure = async (explain = false) => {
      const { sql, params } = usageRowStatement(budget, start);
      return t.db.transaction(async (tx) => (await tx.query(explain ? `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}` : sql, params)).rows);
    };
    const spent = async () => Number((await t.db.query<{ spent_micros: string }>('SELECT spent_micros FROM budget_usage WHERE budget_id = $1', [budget.id])).rows[0]?.spent_micros);

    test('a budget created mid-period starts from what the team spent so far in the period', async () => {
      await ensure();
      assert.equal(await spent(), 500 * 10_000);
    });

    test('once the row exists, settling keeps it and reads none of the period requests again', async () => {
      await t.db.query('UPDATE budget_usage SET spent_micros = spent_micros + 25 WHERE budget_id = $1', [budget.id]);
      const [explained] = await ensure(true);
      const plan = (explained as { 'QUERY PLAN': any })['QUERY PLAN'][0].Plan;
      const scans = scansOf(plan, 'requests');
      assert.ok(scans.length > 0, 'the statement has a scan of requests (for a new row)');
      assert.deepEqual(scans.map((s) => s.loops), scans.map(() => 0), `the period's requests were read: ${JSON.stringify(plan)}`);
      assert.equal(await spent(), 500 * 10_000 + 25);
    });
  });
}
