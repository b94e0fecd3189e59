import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate, readMigrations } from '../../../src/db/migrate.js';
import { RequestLog, type RequestRecord } from '../../../src/spend/request-log.js';
import { createTestDb, dbKinds, type TestDatabase } from '../../helpers/db.js';

const record = (id: string, o: Partial<RequestRecord> = {}): RequestRecord => ({
  id, at: new Date('2026-03-02T10:15:00Z'), keyId: null, userId: null, teamId: null, route: 'messages', model: 'claude-haiku-4-5', bedrockModel: null,
  region: 'us-east-1', stream: false, status: 200, errorType: null, stopReason: 'end_turn', inputTokens: 10, outputTokens: 5, cacheReadTokens: 0,
  cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, latencyMs: 12, ttftMs: 5, toolNames: [], clientAborted: false, retriedWithout: [], endpoint: null,
  webSearches: 0, costMicros: 35, priced: true, priceModel: 'claude-haiku-4-5-20251001',
  ...o,
});

/** What the rollups hold, summed per grain, for comparison with the request rows. */
const totals = (t: TestDatabase) =>
  t.db.query<any>(`SELECT grain, tool, sum(requests)::int AS requests, sum(errors)::int AS errors, sum(cost_micros)::int AS cost,
    sum(input_tokens)::int AS input, sum(web_searches)::int AS searches, count(*)::int AS rows FROM request_rollups GROUP BY 1, 2 ORDER BY 1, 2`);

for (const kind of dbKinds) {
  describe(`request rollups on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => (t = await createTestDb(kind)));
    after(() => t.drop());

    test('the migration rolls up the requests already recorded, by hour and by day', async () => {
      await migrate(t.db, readMigrations().filter((m) => m.version < 13));
      await t.db.query(`INSERT INTO requests (id, at, route, status, error_type, model, input_tokens, cost_micros, latency_ms, tool_names) VALUES
        ('old1', '2026-03-01T09:10:00Z', 'messages', 200, NULL, 'm1', 10, 100, 900, '{Bash}'),
        ('old2', '2026-03-01T09:50:00Z', 'messages', 200, 'overloaded_error', 'm1', 20, 200, 1100, '{Bash,Read}'),
        ('old3', '2026-03-01T23:59:00Z', 'messages', 529, 'overloaded_error', 'm2', 0, 0, 30, NULL)`);
      await migrate(t.db);
      const rows = (await totals(t)).rows;
      assert.deepEqual(
        rows.map((r) => [r.grain, r.tool, r.requests, r.errors, r.cost, r.input, r.rows]),
        [
          ['day', '', 3, 2, 300, 30, 2],
          ['day', 'Bash', 2, 1, 300, 30, 1],
          ['day', 'Read', 1, 1, 200, 20, 1],
          ['hour', '', 3, 2, 300, 30, 2],
          ['hour', 'Bash', 2, 1, 300, 30, 1],
          ['hour', 'Read', 1, 1, 200, 20, 1],
        ],
      );
      const [m1] = (await t.db.query<{ latency_hist: number[] }>(`SELECT latency_hist FROM request_rollups WHERE grain = 'hour' AND tool = '' AND model = 'm1'`)).rows;
      assert.equal(m1!.latency_hist.length, 72);
      assert.equal(m1!.latency_hist.reduce((a, b) => a + b, 0), 2);
    });

    test('the request writer adds each request to the rollups once, in the same transaction', async () => {
      await t.db.query('DELETE FROM request_rollups');
      await t.db.query('DELETE FROM requests');
      const log = new RequestLog(t.db);
      log.record(record('w1', { webSearches: 2, toolNames: ['Grep'] }));
      log.record(record('w2', { at: new Date('2026-03-02T11:00:00Z') }));
      await log.flush();
      log.record(record('w1', { webSearches: 2, toolNames: ['Grep'] })); // a retried batch: already written
      log.record(record('w3', { status: 400, errorType: 'invalid_request_error', costMicros: 0 }));
      await log.flush();
      const rows = (await totals(t)).rows;
      assert.deepEqual(
        rows.map((r) => [r.grain, r.tool, r.requests, r.errors, r.cost, r.searches, r.rows]),
        [
          ['day', '', 3, 1, 70, 2, 1],
          ['day', 'Grep', 1, 0, 35, 2, 1],
          ['hour', '', 3, 1, 70, 2, 2],
          ['hour', 'Grep', 1, 0, 35, 2, 1],
        ],
      );
    });
  });
}
