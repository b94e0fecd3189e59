import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dbKinds } from '../../helpers/db.js';
import { http, useTestGateway } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

/** One sample of the text exposition: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus' text format (what GET /metrics answers), comments skipped. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of m[2]?.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const has = (samples: Sample[], name: string) => samples.some((s) => s.name === name);

describe('GET /metrics', () => {
  const env = useInferenceRig('pglite', { gateway: { circuit: { failuresToOpen: 2, coolDownMs: 60_000 } } });
  const scrape = async () => {
    const res = await http(`${env.rig.gw.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return { text: res.body as string, samples: parse(res.body as string) };
  };
  const ask = (apiKey: string, body: Record<string, unknown> = {}) =>
    http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey, body: { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...body } });
  const sonnet = 'claude-sonnet-4-5-20250929';

  test('requests, latency, tokens, spend and rejections are counted with low-cardinality labels', async () => {
    const { rig } = env;
    const admin = rig.admin;
    await http(`${rig.gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'metrics-team' } });
    await http(`${rig.gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: 'dev@metrics.io', team: 'metrics-team' } });
    const dev = (await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'dev', user: 'dev@metrics.io' } })).body;
    const limited = (await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'limited', user: 'dev@metrics.io', rpm: 1 } })).body;
    const broke = (await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'broke', user: 'dev@metrics.io', budget_usd: 0.000001 } })).body;
    const team = (await http(`${rig.gw.url}/admin/v1/teams/metrics-team`, { token: admin })).body;

    assert.equal((await ask(dev.key)).status, 200);
    const stream = await ask(dev.key, { stream: true });
    assert.equal(stream.status, 200);
    assert.match(String(stream.body), /message_stop/);
    assert.equal((await ask(dev.key, { model: 'claude-typo-from-a-user-9' })).status, 404);
    assert.equal((await ask(limited.key)).status, 200);
    const throttled = await ask(limited.key);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.error.type, 'rate_limit_error');
    const refused = await ask(broke.key);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.type, 'billing_error');

    const { text, samples } = await scrape();
    assert.equal(value(samples, 'ccag_requests_total', { route: 'messages', model: sonnet, status_class: '2xx', endpoint: 'default' }), 3);
    assert.equal(value(samples, 'ccag_requests_total', { route: 'messages', model: 'other', status_class: '4xx', endpoint: 'none' }), 1, 'an unknown model is "other"');
    assert.equal(value(samples, 'ccag_requests_total', { model: sonnet, status_class: '4xx' }), 2, 'the two refusals');
    assert.equal(value(samples, 'ccag_request_errors_total', { model: 'other', error_type: 'not_found_error' }), 1);
    assert.equal(value(samples, 'ccag_request_errors_total', { model: sonnet, error_type: 'billing_error' }), 1);
    assert.equal(value(samples, 'ccag_request_duration_seconds_count', { route: 'messages', model: sonnet }), 5);
    assert.ok(value(samples, 'ccag_request_duration_seconds_sum', { route: 'messages', model: sonnet }) > 0);
    assert.equal(value(samples, 'ccag_time_to_first_token_seconds_count', { model: sonnet }), 3);
    assert.equal(value(samples, 'ccag_upstream_duration_seconds_count', { endpoint: 'default', outcome: 'ok' }), 3);
    assert.ok(value(samples, 'ccag_tokens_total', { model: sonnet, team: team.id, kind: 'input' }) > 0);
    assert.ok(value(samples, 'ccag_tokens_total', { model: sonnet, team: team.id, kind: 'output' }) > 0);
    assert.ok(value(samples, 'ccag_spend_usd_total', { model: sonnet, team: team.id }) > 0);
    assert.equal(value(samples, 'ccag_rate_limit_rejections_total', { limit: 'rpm', scope: 'key' }), 1);
    assert.equal(value(samples, 'ccag_budget_rejections_total', { scope: 'key' }), 1);
    assert.equal(value(samples, 'ccag_in_flight_requests'), 0);
    assert.ok(has(samples, 'ccag_spend_buffer_depth'));
    assert.ok(has(samples, 'ccag_spend_records_dropped_total'));
    assert.ok(has(samples, 'ccag_spend_records_quarantined_total'));
    assert.ok(!has(samples, 'ccag_db_pool_connections'), 'the embedded database has no pool');
    assert.ok(has(samples, 'process_cpu_user_seconds_total') && has(samples, 'nodejs_heap_size_used_bytes'), 'process metrics');

    // No label names a user or a key.
    const me = (await http(`${rig.gw.url}/admin/v1/me`, { apiKey: dev.key })).body;
    const labelNames = new Set(samples.flatMap((s) => Object.keys(s.labels)));
    for (const name of ['user', 'user_id', 'email', 'key', 'key_id', 'key_prefix']) assert.ok(!labelNames.has(name), `label ${name}`);
    for (const secret of [me.user?.id ?? me.id, 'dev@metrics.io', dev.key.slice(0, 12), limited.key.slice(0, 12), broke.key.slice(0, 12), dev.id, 'claude-typo']) {
      assert.ok(secret && !text.includes(secret), `the exposition contains ${secret}`);
    }
  });

  test('an endpoint whose circuit opened shows as open, with its upstream errors', async () => {
    const { rig } = env;
    rig.emulator.configure({ script: () => ({ kind: 'error', exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' }) });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await ask(rig.key)).status, 429);
    } finally {
      rig.emulator.configure({ script: undefined });
    }
    const { samples } = await scrape();
    assert.equal(value(samples, 'ccag_endpoint_circuit_state', { endpoint: 'default', model: sonnet }), 2);
    assert.equal(value(samples, 'ccag_upstream_errors_total', { endpoint: 'default', error_type: 'ThrottlingException' }), 3);
    assert.equal(value(samples, 'ccag_upstream_duration_seconds_count', { endpoint: 'default', outcome: 'error' }), 3);
    // Bedrock's throttling reaches the client as rate_limit_error (plus the rpm refusal above).
    assert.equal(value(samples, 'ccag_request_errors_total', { model: sonnet, error_type: 'rate_limit_error' }), 4);
    assert.equal(value(samples, 'ccag_rate_limit_rejections_total'), 1, 'Bedrock throttling is no rate-limit rejection');
    assert.equal(value(samples, 'ccag_in_flight_requests'), 0);
  });
});

describe('GET /metrics with CCAG_METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef';
  const env = useTestGateway('pglite', { metricsToken: token });

  test('needs the bearer token', async () => {
    const url = `${env.gw.url}/metrics`;
    const anonymous = await http(url);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error.type, 'authentication_error');
    assert.ok(anonymous.body.request_id);
    assert.equal((await http(url, { token: 'metrics-token-0123456789abcdeX' })).status, 401);
    assert.equal((await http(url, { token: 'short' })).status, 401);
    const ok = await http(url, { token });
    assert.equal(ok.status, 200);
    assert.ok(has(parse(ok.body), 'ccag_in_flight_requests'));
  });
});

describe('GET /metrics on Postgres', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, () => {
  const env = useTestGateway('postgres');

  test('reports the connection pool', async () => {
    const samples = parse((await http(`${env.gw.url}/metrics`)).body);
    assert.ok(value(samples, 'ccag_db_pool_connections', { state: 'total' }) >= 1);
    assert.equal(value(samples, 'ccag_db_pool_connections', { state: 'max' }), 10);
    assert.ok(has(samples, 'ccag_db_pool_connections'));
  });
});
