import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { Db } from '../../../src/db/db.js';
import { dbKinds, sharedPostgres } from '../../helpers/db.js';
import { adminPassword, eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startInferenceRig, useInferenceRig, type InferenceRig } from '../../helpers/inference.js';

const tools = [
  { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } } },
];

/** A user in team eng with these IdP groups (as the last SSO sign-in set them), and an inference key of theirs. */
async function userWithKey(rig: InferenceRig, db: Db, email: string, groups: string[]): Promise<string> {
  const created = await http(`${rig.gw.url}/admin/v1/users`, { method: 'POST', token: rig.admin, body: { email, team: 'eng', password: adminPassword } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await db.query('UPDATE users SET idp_groups = $2 WHERE email = $1', [email, groups]);
  const key = await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: rig.admin, body: { name: email, user: email } });
  return key.body.key;
}

const lastInvoke = (rig: InferenceRig) => rig.emulator.requests.filter((r) => r.operation === 'InvokeModel' || r.operation === 'InvokeModelWithResponseStream').at(-1)!;
const toolNames = (body: any): string[] => (body.tools ?? []).map((t: any) => t.name);

for (const kind of dbKinds) describe(`policies on the inference path (${kind})`, () => {
  const env = useInferenceRig(kind);
  let contractor: string;
  let engineer: string;
  let policyId: string;
  const sdk = (apiKey: string) => env.rig.sdk({ apiKey });
  const admin = (method: string, path: string, body?: unknown) => http(`${env.rig.gw.url}/admin/v1${path}`, { method, token: env.rig.admin, body });

  before(async () => {
    await admin('POST', '/teams', { name: 'eng' });
    contractor = await userWithKey(env.rig, env.db.db, 'con@x.io', ['Contractors']);
    engineer = await userWithKey(env.rig, env.db.db, 'eng@x.io', ['eng']);
    const created = await admin('POST', '/policies', { name: 'contractors', group: 'Contractors', denied_tools: ['Bash'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.group, 'contractors');
    assert.equal(created.body.position, 1);
    policyId = created.body.id;
  });

  test("a group's denied tool never reaches Bedrock, while other groups keep it", async () => {
    await sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(toolNames(lastInvoke(env.rig).body), ['Read']);
    await sdk(engineer).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(toolNames(lastInvoke(env.rig).body), ['Bash', 'Read']);

    // Streaming goes the same way.
    await sdk(contractor).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    assert.equal(lastInvoke(env.rig).operation, 'InvokeModelWithResponseStream');
    assert.deepEqual(toolNames(lastInvoke(env.rig).body), ['Read']);

    // count_tokens counts what /v1/messages would send.
    await sdk(contractor).messages.countTokens({ model: 'claude-sonnet-4-5', tools, messages: [{ role: 'user', content: 'hi' }] });
    const counted = env.rig.emulator.requests.filter((r) => r.operation === 'CountTokens').at(-1)!;
    assert.deepEqual(toolNames(counted.body), ['Read']);
  });

  test('a tool_choice forcing a denied tool is refused with 403 naming it; one left with no tools is dropped', async () => {
    const before = env.rig.emulator.requests.length;
    await assert.rejects(
      sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, tool_choice: { type: 'tool', name: 'Bash' }, messages: [{ role: 'user', content: 'hi' }] }),
      (err: any) => err instanceof Anthropic.PermissionDeniedError && /Bash/.test(err.message) && /contractors/.test(err.message),
    );
    assert.equal(env.rig.emulator.requests.length, before, 'nothing reached Bedrock');

    await sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools: [tools[0]!], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'hi' }] });
    const body = lastInvoke(env.rig).body;
    assert.equal('tools' in body, false);
    assert.equal('tool_choice' in body, false);
  });

  test('allowed models: another model is refused with 403 naming it and the policy; /v1/models lists only allowed ones', async () => {
    const updated = await admin('PATCH', `/policies/${policyId}`, { allowed_models: ['claude-haiku-*'] });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    await assert.rejects(
      sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
      (err: any) => err instanceof Anthropic.PermissionDeniedError && /claude-sonnet-4-5/.test(err.message) && /policy contractors/.test(err.message),
    );
    const ok = await sdk(contractor).messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(ok.model, 'claude-haiku-4-5-20251001');
    await assert.rejects(sdk(contractor).messages.countTokens({ model: 'claude-opus-4-5', messages: [{ role: 'user', content: 'hi' }] }), Anthropic.PermissionDeniedError);

    const listed = await http(`${env.rig.gw.url}/v1/models?limit=100`, { apiKey: contractor });
    assert.deepEqual(listed.body.data.map((m: any) => m.id), ['claude-haiku-4-5-20251001']);
    assert.equal((await http(`${env.rig.gw.url}/v1/models/claude-sonnet-4-5`, { apiKey: contractor })).status, 404);
    assert.equal((await http(`${env.rig.gw.url}/v1/models/claude-haiku-4-5`, { apiKey: contractor })).status, 200);
    const all = await http(`${env.rig.gw.url}/v1/models?limit=100`, { apiKey: engineer });
    assert.ok(all.body.data.length > 5);
  });

  test('max output tokens: a larger max_tokens is lowered to the cap before Bedrock', async () => {
    await admin('PATCH', `/policies/${policyId}`, { allowed_models: null, max_output_tokens: 1500 });
    await sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5000, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(lastInvoke(env.rig).body.max_tokens, 1500);
    await sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(lastInvoke(env.rig).body.max_tokens, 200);
    await sdk(engineer).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5000, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(lastInvoke(env.rig).body.max_tokens, 5000);
  });

  test('order: first match wins, the default last; positions stay 1..n; explain says which rule decides', async () => {
    const eng = await admin('POST', '/policies', { name: 'eng-team', team: 'eng', allowed_models: ['claude-opus-*'], position: 1 });
    assert.equal(eng.status, 201, JSON.stringify(eng.body));
    const fallback = await admin('POST', '/policies', { default: true, max_output_tokens: 9000 });
    assert.equal(fallback.status, 201, JSON.stringify(fallback.body));
    assert.equal(fallback.body.name, 'default');
    assert.equal((await admin('POST', '/policies', { default: true, name: 'another' })).status, 409);
    assert.equal((await admin('POST', '/policies', { name: 'nobody' })).status, 400);
    assert.equal((await admin('POST', '/policies', { name: 'Contractors', group: 'x' })).status, 409);
    assert.equal((await admin('POST', '/policies', { name: 'bad', team: 'ghosts' })).status, 404);

    let list = (await admin('GET', '/policies')).body.data;
    assert.deepEqual(list.map((p: any) => [p.name, p.position]), [['eng-team', 1], ['contractors', 2], ['default', null]]);

    // The contractor is in team eng: eng-team now decides for them.
    let explained = (await admin('GET', '/policies/explain?user=con@x.io&model=claude-sonnet-4-5&tool=Bash')).body;
    assert.equal(explained.policy.name, 'eng-team');
    assert.equal(explained.matched_by, 'team');
    assert.deepEqual(explained.model, { name: 'claude-sonnet-4-5', allowed: false, reason: 'the policy eng-team allows only: claude-opus-*' });
    assert.equal(explained.tool.allowed, true);
    assert.deepEqual(explained.subject.groups, ['contractors']);
    await assert.rejects(sdk(contractor).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), /eng-team/);

    const moved = await admin('PATCH', '/policies/contractors', { position: 1 });
    assert.equal(moved.status, 200);
    list = (await admin('GET', '/policies')).body.data;
    assert.deepEqual(list.map((p: any) => [p.name, p.position]), [['contractors', 1], ['eng-team', 2], ['default', null]]);
    explained = (await admin('GET', '/policies/explain?user=con@x.io&tool=Bash')).body;
    assert.equal(explained.policy.name, 'contractors');
    assert.equal(explained.matched_by, 'group');
    assert.deepEqual(explained.skipped, []);
    assert.equal(explained.tool.allowed, false);
    const forEngineer = (await admin('GET', '/policies/explain?user=eng@x.io')).body;
    assert.equal(forEngineer.policy.name, 'eng-team');
    assert.deepEqual(forEngineer.skipped.map((s: any) => s.name), ['contractors']);

    // A team with policies is not deleted from under them.
    await admin('POST', '/teams', { name: 'ops' });
    await admin('POST', '/policies', { name: 'ops-only', team: 'ops', denied_tools: ['*'] });
    const deleteTeam = await admin('DELETE', '/teams/ops');
    assert.equal(deleteTeam.status, 409);
    assert.match(deleteTeam.body.error.message, /ops-only/);
    assert.equal((await admin('DELETE', '/policies/ops-only')).status, 204);
    assert.equal((await admin('DELETE', '/teams/ops')).status, 204);

    assert.equal((await admin('DELETE', '/policies/contractors')).status, 204);
    list = (await admin('GET', '/policies')).body.data;
    assert.deepEqual(list.map((p: any) => [p.name, p.position]), [['eng-team', 1], ['default', null]]);
    const admin2 = (await admin('GET', '/policies/explain')).body;
    assert.equal(admin2.matched_by, 'default');
    assert.equal(admin2.max_output_tokens, 9000);
    await admin('DELETE', '/policies/eng-team');
    await admin('DELETE', '/policies/default');
  });

  test('members explain for themselves only; every change is in the audit log', async () => {
    const login = await http(`${env.rig.gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'con@x.io', password: adminPassword } });
    const self = await http(`${env.rig.gw.url}/admin/v1/policies/explain?model=claude-sonnet-4-5`, { token: login.body.token });
    assert.equal(self.status, 200, JSON.stringify(self.body));
    assert.equal(self.body.subject.user, 'con@x.io');
    assert.equal((await http(`${env.rig.gw.url}/admin/v1/policies/explain?user=eng@x.io`, { token: login.body.token })).status, 404);
    assert.equal((await http(`${env.rig.gw.url}/admin/v1/policies`, { token: login.body.token })).status, 403);

    const audit = (await admin('GET', '/audit?limit=100')).body.data.filter((e: any) => e.target_type === 'policy');
    const actions = audit.map((e: any) => e.action);
    for (const a of ['policy.create', 'policy.update', 'policy.delete']) assert.ok(actions.includes(a), `${a} in ${actions}`);
    const update = audit.find((e: any) => e.action === 'policy.update' && e.after?.max_output_tokens === 1500);
    assert.ok(update, 'the cap change is audited with before and after');
    assert.equal(update.before.max_output_tokens, null);
  });
});

describe('two replicas on one Postgres', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, () => {
  let database: Awaited<ReturnType<typeof sharedPostgres>>;
  let a: InferenceRig;
  let b: TestGateway;

  before(async () => {
    database = await sharedPostgres();
    a = await startInferenceRig(database.a);
    b = await startGateway(database.b, { region: 'us-east-1', bedrockEndpoint: a.emulator.url });
  });
  after(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });

  test('a policy created on one replica applies on the other within 5 s', async () => {
    await http(`${a.gw.url}/admin/v1/teams`, { method: 'POST', token: a.admin, body: { name: 'eng' } });
    const contractor = await userWithKey(a, database.a, 'con@x.io', ['contractors']);
    const onB = new Anthropic({ baseURL: b.url, apiKey: contractor, maxRetries: 0 });
    const ask = async () => {
      await onB.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content: 'hi' }] });
      return toolNames(lastInvoke(a).body);
    };
    assert.deepEqual(await ask(), ['Bash', 'Read']);
    const created = await http(`${a.gw.url}/admin/v1/policies`, { method: 'POST', token: a.admin, body: { name: 'contractors', group: 'contractors', denied_tools: ['Bash'] } });
    assert.equal(created.status, 201);
    const started = Date.now();
    assert.ok(await eventually(async () => (await ask()).join() === 'Read', 5000), 'replica B removes Bash within 5 s');
    assert.ok(Date.now() - started < 5000);
  });
});
