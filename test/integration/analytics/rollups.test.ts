import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { histogramCounts } from '../../../src/analytics/histogram.js';
import { resolveRange } from '../../../src/analytics/range.js';
import { analyticsTimeseries } from '../../../src/analytics/timeseries.js';
import { migrate, readMigrations } from '../../../src/db/migrate.js';
import { RequestLog, type RequestRecord } from '../../../src/spend/request-log.js';
import { requestRecord } from '../../helpers/request-record.js';
import { createTestDb, dbKinds, type TestDatabase } from '../../helpers/db.js';

const record = (id: string, o: Partial<RequestRecord> = {}) => requestRecord(id, { at: new Date('2026-03-02T10:15:00Z'), ...o });

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
      const [m1] = (await t.db.query<{ latency: string; ttft: string }>(`SELECT latency_hist::text AS latency, ttft_hist::text AS ttft FROM request_rollups WHERE grain = 'hour' AND tool = '' AND model = 'm1'`)).rows;
      // 900 ms and 1100 ms: buckets [1.25^30, 1.25^31) and [1.25^31, 1.25^32); no time to first token recorded
      assert.deepEqual(histogramCounts(m1!.latency).flatMap((n, i) => (n ? [[i, n]] : [])), [[31, 1], [32, 1]]);
      assert.deepEqual(histogramCounts(m1!.ttft), [0]);
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

    test('a time series shows the ten largest groups and adds up the rest as other', async () => {
      await t.db.query('DELETE FROM request_rollups');
      const log = new RequestLog(t.db);
      // model-00 gets 12 requests, model-01 11, … model-11 1.
      for (let m = 0; m < 12; m++) for (let i = 0; i < 12 - m; i++) log.record(record(`ts-${m}-${i}`, { model: `model-${String(m).padStart(2, '0')}` }));
      await log.flush();
      const range = resolveRange({ since: '2026-03-02T00:00:00Z', until: '2026-03-03T00:00:00Z', granularity: 'day' });
      const t2 = await analyticsTimeseries(t.db, { range, scope: { teamId: null, userId: null } }, 'requests', 'model');
      assert.deepEqual(t2.buckets, ['2026-03-02T00:00:00.000Z']);
      assert.deepEqual(
        t2.series.map((s) => [s.key, s.label, s.values[0]]),
        [...Array.from({ length: 10 }, (_, m) => [`model-${String(m).padStart(2, '0')}`, `model-${String(m).padStart(2, '0')}`, 12 - m]), ['other', 'other', 3]],
      );
    });
  });
}
