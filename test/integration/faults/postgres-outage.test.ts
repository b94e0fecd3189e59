import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { request } from 'undici';
import { PostgresDb } from '../../../src/db/postgres.js';
import type { BudgetFailMode } from '../../../src/db/outage-grace.js';
import { createPostgresDatabase, dbKinds } from '../../helpers/db.js';
import { eventually, http } from '../../helpers/gateway.js';
import { startInferenceRig, type InferenceRig } from '../../helpers/inference.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const skip = !dbKinds.includes('postgres') && 'needs Postgres';

/** A gateway whose Postgres connections go through a proxy the test can cut. */
async function rigBehindProxy(grace: { graceMs: number; budgetFailMode: BudgetFailMode }) {
  const database = await createPostgresDatabase();
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
  const db = new PostgresDb(viaProxy(database.url, proxy));
  const rig = await startInferenceRig(db, { gateway: { dbOutage: grace } });
  // The test reads the database directly, not through the proxy.
  const direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
  return {
    rig,
    proxy,
    direct,
    async close() {
      proxy.restore();
      await rig.close();
      await db.close();
      await direct.end();
      await proxy.close();
      await database.drop();
    },
  };
}

type Rig = Awaited<ReturnType<typeof rigBehindProxy>>;

function messages(url: string, key: string, stream: boolean) {
  return request(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: 'hello' }] }),
  });
}

async function ready(url: string) {
  const res = await http(`${url}/ready`);
  return res;
}

/** A key with a budget that this replica has never admitted a request against (so it has no lease). */
async function keyWithFreshBudget(rig: InferenceRig): Promise<{ id: string; key: string }> {
  const created = await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: rig.admin, body: { name: `budgeted-${Date.now()}` } });
  // Authenticated once (cached), without touching the budget.
  assert.equal((await http(`${rig.gw.url}/v1/models`, { apiKey: created.body.key })).status, 200);
  const budget = await http(`${rig.gw.url}/admin/v1/budgets`, { method: 'PUT', token: rig.admin, body: { scope: 'key', target: created.body.id, amount_usd: 50, period: 'monthly' } });
  assert.equal(budget.status, 200, JSON.stringify(budget.body));
  const ledgerSees = () => Promise.resolve(rig.gw.gateway.inference.budgets.forRecord({ keyId: created.body.id, userId: null, teamId: null }).length === 1);
  assert.ok(await eventually(ledgerSees, 5_000));
  return { id: created.body.id, key: created.body.key };
}

describe('Postgres down during load (fail-closed budgets, 60 s grace)', { skip }, () => {
  let env: Rig;
  before(async () => {
    env = await rigBehindProxy({ graceMs: 60_000, budgetFailMode: 'closed' });
  });
  after(() => env?.close());

  test('inference goes on from caches, /ready says degraded, and every served request gets its spend row after recovery', async () => {
    const { rig, proxy, direct } = env;
    const budgeted = await keyWithFreshBudget(rig);
    const outcomes = { ok: 0, failed: [] as string[] };
    let stop = false;
    // 8 clients, streaming and not, for the whole outage.
    const clients = Array.from({ length: 8 }, async (_, i) => {
      while (!stop) {
        const res = await messages(rig.gw.url, rig.key, i % 2 === 0);
        const text = await res.body.text();
        if (res.statusCode === 200 && !text.includes('event: error')) outcomes.ok++;
        else outcomes.failed.push(`${res.statusCode} ${text.slice(0, 200)}`);
      }
    });
    assert.ok(await eventually(async () => outcomes.ok >= 20, 20_000), 'load is running');

    proxy.cut('refuse');
    const okAtCut = outcomes.ok;
    // The outage is noticed (the spend writer fails within a second) and reported.
    assert.ok(await eventually(async () => (await ready(rig.gw.url)).body?.degraded === true, 10_000), '/ready reports degraded');
    const degraded = await ready(rig.gw.url);
    assert.equal(degraded.status, 200);
    assert.equal(degraded.body.status, 'degraded');
    assert.equal(degraded.body.budget_fail_mode, 'closed');
    // Past the credential cache's 4 s freshness window: served from the cache within the grace period.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.ok(outcomes.ok > okAtCut + 20, `requests kept succeeding during the outage (${outcomes.ok - okAtCut} did)`);
    // A budget decision the cache cannot give is refused (fail-closed), as 529 the client retries.
    const refused = await messages(rig.gw.url, budgeted.key, false);
    const refusedBody = (await refused.body.json()) as any;
    assert.equal(refused.statusCode, 529);
    assert.equal(refusedBody.error.type, 'overloaded_error');
    assert.match(refusedBody.error.message, /budgets cannot be checked/);
    // An unknown credential cannot be checked either: 529, never a 500.
    const unknown = await messages(rig.gw.url, `sk-ccag-${'x'.repeat(43)}`, false);
    assert.equal(unknown.statusCode, 529);
    await unknown.body.dump();
    const buffered = rig.gw.gateway.inference.requestLog.pending;
    assert.ok(buffered > 0, 'spend rows wait in memory');
    const metrics = await request(`${rig.gw.url}/metrics`);
    const exposition = await metrics.body.text();
    assert.match(exposition, /ccag_spend_buffer_depth [1-9]/);
    assert.match(exposition, /ccag_db_unreachable_seconds [1-9]/);

    proxy.restore();
    assert.ok(await eventually(async () => (await ready(rig.gw.url)).body?.degraded === false, 15_000), '/ready recovers');
    stop = true;
    await Promise.all(clients);
    assert.deepEqual(outcomes.failed, [], 'no request of the unbudgeted key failed');
    assert.ok(await eventually(async () => rig.gw.gateway.inference.requestLog.pending === 0, 15_000), 'the buffer drains');
    const { rows } = await direct.query(`SELECT count(*)::int AS n FROM requests WHERE key_id IS DISTINCT FROM $1 AND route = 'messages' AND status = 200`, [budgeted.id]);
    console.log(`postgres outage: ${outcomes.ok} requests succeeded (${outcomes.ok - okAtCut} during/after the cut), ${buffered} spend rows buffered, ${rows[0].n} written, lost ${outcomes.ok - rows[0].n}, dropped ${rig.gw.gateway.inference.requestLog.dropped}`);
    assert.equal(rows[0].n, outcomes.ok, 'a spend row for every request served: none lost');
    assert.equal(rig.gw.gateway.inference.requestLog.dropped, 0);
    // After recovery the budgeted key is admitted again.
    const after = await messages(rig.gw.url, budgeted.key, false);
    assert.equal(after.statusCode, 200);
    await after.body.dump();
  });

  test('an unanswered connection (network partition) is an outage too: /ready says degraded within its deadline', async () => {
    const { rig, proxy } = env;
    // The key is in the cache (the reconnect after the last outage emptied it).
    assert.ok(await eventually(async () => rig.gw.gateway.db.listening, 10_000));
    const warm = await messages(rig.gw.url, rig.key, false);
    assert.equal(warm.statusCode, 200);
    await warm.body.dump();
    proxy.cut('blackhole');
    try {
      assert.ok(await eventually(async () => (await ready(rig.gw.url)).body?.degraded === true, 15_000));
      const res = await messages(rig.gw.url, rig.key, false);
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    } finally {
      proxy.restore();
    }
    assert.ok(await eventually(async () => (await ready(rig.gw.url)).body?.degraded === false, 15_000));
  });
});

describe('Postgres down past the grace period (1 s)', { skip }, () => {
  let env: Rig;
  before(async () => {
    env = await rigBehindProxy({ graceMs: 1_000, budgetFailMode: 'open' });
  });
  after(() => env?.close());

  test('/ready answers 503 and cached credentials stop being accepted (529); both come back with the database', async () => {
    const { rig, proxy } = env;
    const warm = await messages(rig.gw.url, rig.key, false);
    assert.equal(warm.statusCode, 200);
    await warm.body.dump();
    proxy.cut('refuse');
    assert.ok(await eventually(async () => (await ready(rig.gw.url)).status === 503, 10_000), '/ready answers 503 after the grace period');
    const down = await ready(rig.gw.url);
    assert.equal(down.body.status, 'unavailable');
    assert.equal(down.body.grace_seconds, 1);
    assert.ok(
      await eventually(async () => {
        const res = await messages(rig.gw.url, rig.key, false);
        await res.body.dump();
        return res.statusCode === 529;
      }, 10_000),
      'inference refused once the cached credential is stale and the grace period over',
    );
    proxy.restore();
    assert.ok(await eventually(async () => (await ready(rig.gw.url)).status === 200, 15_000));
    const back = await messages(rig.gw.url, rig.key, false);
    assert.equal(back.statusCode, 200);
    await back.body.dump();
  });
});

describe('Postgres down with CCAG_BUDGET_FAIL_MODE=open', { skip }, () => {
  let env: Rig;
  before(async () => {
    env = await rigBehindProxy({ graceMs: 60_000, budgetFailMode: 'open' });
  });
  after(() => env?.close());

  test('a request whose budget needs the database is let through, counted in a metric, and settled into the budget after recovery', async () => {
    const { rig, proxy, direct } = env;
    const budgeted = await keyWithFreshBudget(rig);
    proxy.cut('refuse');
    assert.ok(await eventually(async () => (await ready(rig.gw.url)).body?.degraded === true, 10_000));
    for (let i = 0; i < 3; i++) {
      const res = await messages(rig.gw.url, budgeted.key, i === 1);
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    }
    assert.ok(rig.gw.gateway.inference.ledger.uncheckedAdmissions >= 1);
    const exposition = await (await request(`${rig.gw.url}/metrics`)).body.text();
    assert.match(exposition, /ccag_budget_unchecked_admissions_total [1-9]/);
    proxy.restore();
    assert.ok(await eventually(async () => rig.gw.gateway.inference.requestLog.pending === 0 && rig.gw.gateway.db.unreachableSince === undefined, 15_000));
    const spend = await direct.query(`SELECT count(*)::int AS n, COALESCE(sum(cost_micros), 0)::bigint AS cost FROM requests WHERE key_id = $1`, [budgeted.id]);
    assert.equal(spend.rows[0].n, 3, 'the three requests have their spend rows');
    const usage = await direct.query(`SELECT spent_micros FROM budget_usage bu JOIN budgets b ON b.id = bu.budget_id WHERE b.target_id = $1`, [budgeted.id]);
    assert.equal(Number(usage.rows[0].spent_micros), Number(spend.rows[0].cost), 'their cost counts against the budget');
  });
});
