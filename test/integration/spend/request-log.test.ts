import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate } from '../../../src/db/migrate.js';
import { RequestLog } from '../../../src/spend/request-log.js';
import { requestRecord } from '../../helpers/request-record.js';
import { createTestDb, dbKinds, type TestDatabase } from '../../helpers/db.js';

for (const kind of dbKinds) {
  describe(`request records on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await createTestDb(kind);
      await migrate(t.db);
    });
    after(() => t.drop());

    test('a record the database refuses is quarantined; the others are written and nothing is retried forever', async () => {
      const log = new RequestLog(t.db);
      log.record(requestRecord('req_good_1'));
      log.record(requestRecord('req_bad', { inputTokens: 3_000_000_000 })); // beyond integer: refused
      log.record(requestRecord('req_good_2'));
      await log.flush();
      assert.equal(log.pending, 0);
      assert.equal(log.quarantined, 1);
      const { rows } = await t.db.query<{ id: string }>('SELECT id FROM requests ORDER BY id');
      assert.deepEqual(rows.map((r) => r.id), ['req_good_1', 'req_good_2']);
      const q = await t.db.query<{ id: string; record: any }>('SELECT id, record FROM quarantined_requests');
      assert.equal(q.rows[0]!.id, 'req_bad');
      assert.equal(q.rows[0]!.record.inputTokens, 3_000_000_000);
      // Written once: a second flush adds nothing.
      log.record(requestRecord('req_good_1'));
      await log.flush();
      assert.equal((await t.db.query('SELECT id FROM requests')).rows.length, 2);
    });
  });
}
