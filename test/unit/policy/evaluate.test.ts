import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyRow } from '../../../src/db/repos/policies.js';
import type { ModelConfigStore } from '../../../src/gateway/models/mapping-store.js';
import { applyPolicy } from '../../../src/policy/apply.js';
import { allowedModelEntry, decidePolicy, deniedToolEntry } from '../../../src/policy/evaluate.js';
import { explainPolicy } from '../../../src/policy/explain.js';
import { modelNames } from '../../../src/policy/model-names.js';
import { NamePattern } from '../../../src/policy/name-pattern.js';
import { compilePolicy, type Policy } from '../../../src/policy/policy.js';

const team = { eng: '11111111-1111-1111-1111-111111111111', ops: '22222222-2222-2222-2222-222222222222' };
let next = 1;

function policy(fields: Partial<PolicyRow> & { name: string }): Policy {
  const isDefault = fields.is_default ?? false;
  return compilePolicy({
    id: `00000000-0000-0000-0000-${String(next++).padStart(12, '0')}`,
    position: isDefault ? null : next,
    is_default: isDefault,
    team_id: null,
    team_name: null,
    group_name: null,
    allowed_models: null,
    denied_tools: [],
    max_output_tokens: null,
    created_at: new Date(),
    updated_at: new Date(),
    ...fields,
  });
}

const noMappings = { mapping: () => undefined } as unknown as ModelConfigStore;

test('name patterns: exact names and * prefixes, ignoring case; the entry that matched is returned', () => {
  const p = new NamePattern(['Bash', 'mcp__github__*', 'WebFetch']);
  assert.equal(p.match('Bash'), 'Bash');
  assert.equal(p.match('bash'), 'Bash');
  assert.equal(p.match('mcp__github__create_issue'), 'mcp__github__*');
  assert.equal(p.match('mcp__gitlab__create_issue'), undefined);
  assert.equal(p.match('Read'), undefined);
  assert.equal(new NamePattern(['*']).match('anything'), '*');
  assert.equal(new NamePattern([]).match('Bash'), undefined);
});

test('first match wins, by position; the default comes last; none at all allows everything', () => {
  const contractors = policy({ name: 'contractors', group_name: 'contractors' });
  const eng = policy({ name: 'eng', team_id: team.eng, team_name: 'eng' });
  const engContractors = policy({ name: 'eng-contractors', team_id: team.eng, team_name: 'eng', group_name: 'contractors' });
  const fallback = policy({ name: 'default', is_default: true });
  const ordered = [contractors, eng, fallback];

  assert.deepEqual(decidePolicy(ordered, { teamId: team.eng, groups: ['contractors'] }), { policy: contractors, matchedBy: 'group' });
  assert.deepEqual(decidePolicy(ordered, { teamId: team.eng, groups: ['staff'] }), { policy: eng, matchedBy: 'team' });
  assert.deepEqual(decidePolicy(ordered, { teamId: team.ops, groups: [] }), { policy: fallback, matchedBy: 'default' });
  assert.deepEqual(decidePolicy([contractors], { teamId: team.ops, groups: [] }), { policy: null, matchedBy: 'none' });
  // Moving eng first changes who decides for an eng contractor.
  assert.equal(decidePolicy([eng, contractors, fallback], { teamId: team.eng, groups: ['contractors'] }).policy, eng);
  // Team and group together: members of that group in that team only.
  assert.deepEqual(decidePolicy([engContractors], { teamId: team.eng, groups: ['contractors'] }), { policy: engContractors, matchedBy: 'team_and_group' });
  assert.equal(decidePolicy([engContractors], { teamId: team.ops, groups: ['contractors'] }).policy, null);
  assert.equal(decidePolicy([engContractors], { teamId: team.eng, groups: [] }).policy, null);
  // A team's own key has no groups: only team policies and the default match it.
  assert.equal(decidePolicy(ordered, { teamId: team.ops, groups: [] }).policy, fallback);
});

test('allowed models match under any of a model\'s names, and by prefix', () => {
  const sonnet = policy({ name: 's', group_name: 'g', allowed_models: ['claude-sonnet-4-5', 'claude-haiku-*'] });
  const names = (m: string) => modelNames(m, noMappings);
  assert.equal(allowedModelEntry(sonnet, names('claude-sonnet-4-5')), 'claude-sonnet-4-5');
  assert.equal(allowedModelEntry(sonnet, names('claude-sonnet-4-5-20250929')), 'claude-sonnet-4-5');
  assert.equal(allowedModelEntry(sonnet, names('claude-sonnet-4-5-20250929[1m]')), 'claude-sonnet-4-5');
  assert.equal(allowedModelEntry(sonnet, names('anthropic.claude-sonnet-4-5-20250929-v1:0')), 'claude-sonnet-4-5');
  assert.equal(allowedModelEntry(sonnet, names('global.anthropic.claude-sonnet-4-5-20250929-v1:0')), 'claude-sonnet-4-5');
  assert.equal(allowedModelEntry(sonnet, names('claude-haiku-4-5')), 'claude-haiku-*');
  assert.equal(allowedModelEntry(sonnet, names('claude-opus-4-5')), undefined);
  assert.equal(allowedModelEntry(sonnet, names('claude-sonnet-4-6')), undefined);
  // A name an admin maps to an allowed model is that model.
  const mapped = { mapping: (m: string) => (m === 'fast' ? { model: 'fast', bedrockModel: 'anthropic.claude-haiku-4-5-20251001-v1:0', displayName: null } : undefined) } as unknown as ModelConfigStore;
  assert.equal(allowedModelEntry(sonnet, modelNames('fast', mapped)), 'claude-haiku-*');
  assert.equal(allowedModelEntry(policy({ name: 'any', group_name: 'g' }), names('claude-opus-4-5')), true);
  assert.equal(allowedModelEntry(null, names('claude-opus-4-5')), true);
});

test('denied tools match by name and, for Anthropic-defined and server tools, by type without its version', () => {
  const p = policy({ name: 'p', group_name: 'g', denied_tools: ['Bash', 'mcp__github__*', 'web_search', 'text_editor'] });
  assert.equal(deniedToolEntry(p, { name: 'Bash', input_schema: {} } as never), 'Bash');
  assert.equal(deniedToolEntry(p, { name: 'mcp__github__create_issue' }), 'mcp__github__*');
  assert.equal(deniedToolEntry(p, { type: 'web_search_20250305', name: 'web_search' }), 'web_search');
  assert.equal(deniedToolEntry(p, { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }), 'text_editor');
  assert.equal(deniedToolEntry(p, { name: 'Read' }), undefined);
  assert.equal(deniedToolEntry(p, { type: 'custom', name: 'Read' }), undefined);
});

test('applyPolicy: refuses a model or a forced tool, removes denied tools, caps max_tokens and the thinking budget', () => {
  const p = policy({ name: 'contractors', group_name: 'contractors', allowed_models: ['claude-sonnet-*'], denied_tools: ['Bash'], max_output_tokens: 4000 });
  const decision = { policy: p, matchedBy: 'group' as const };
  const tools = [{ name: 'Bash', input_schema: {} }, { name: 'Read', input_schema: {} }];

  assert.throws(() => applyPolicy(decision, { model: 'claude-opus-4-5', max_tokens: 10 }, noMappings), /the model claude-opus-4-5 is not allowed by the policy contractors/);
  assert.throws(
    () => applyPolicy(decision, { model: 'claude-sonnet-4-5', max_tokens: 10, tools, tool_choice: { type: 'tool', name: 'bash' } }, noMappings),
    (err: any) => err.status === 403 && /forces the tool bash/.test(err.message),
  );

  const body: Record<string, any> = { model: 'claude-sonnet-4-5', max_tokens: 32000, tools, tool_choice: { type: 'auto' }, thinking: { type: 'enabled', budget_tokens: 16000 } };
  applyPolicy(decision, body, noMappings);
  assert.deepEqual(body.tools.map((t: any) => t.name), ['Read']);
  assert.deepEqual(body.tool_choice, { type: 'auto' });
  assert.equal(body.max_tokens, 4000);
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 3999 });

  const onlyDenied: Record<string, any> = { model: 'claude-sonnet-4-5', max_tokens: 100, tools: [tools[0]], tool_choice: { type: 'any' } };
  applyPolicy(decision, onlyDenied, noMappings);
  assert.equal('tools' in onlyDenied, false);
  assert.equal('tool_choice' in onlyDenied, false);
  assert.equal(onlyDenied.max_tokens, 100);

  const tight = policy({ name: 'tight', group_name: 'g', max_output_tokens: 1000 });
  const thinking: Record<string, any> = { model: 'claude-sonnet-4-5', max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4000 } };
  applyPolicy({ policy: tight, matchedBy: 'group' }, thinking, noMappings);
  assert.equal(thinking.max_tokens, 1000);
  assert.equal('thinking' in thinking, false);

  const untouched = { model: 'claude-opus-4-5', max_tokens: 64000, tools };
  assert.deepEqual(applyPolicy({ policy: null, matchedBy: 'none' }, untouched, noMappings), []);
  assert.equal(untouched.tools, tools);
});

test('explain names the deciding policy, the ones skipped and why, and the outcome for a model and a tool', () => {
  const eng = policy({ name: 'eng', team_id: team.eng, team_name: 'eng', allowed_models: ['claude-sonnet-*'] });
  const contractors = policy({ name: 'contractors', group_name: 'contractors', denied_tools: ['Bash'] });
  const fallback = policy({ name: 'default', is_default: true, max_output_tokens: 8000 });
  const e = explainPolicy([eng, contractors, fallback], {
    subject: { teamId: team.ops, teamName: 'ops', groups: ['contractors'] },
    model: { name: 'claude-opus-4-5', names: modelNames('claude-opus-4-5', noMappings) },
    tool: 'Bash',
  });
  assert.equal(e.policy?.name, 'contractors');
  assert.equal(e.matched_by, 'group');
  assert.match(e.reason, /group contractors matches the policy contractors/);
  assert.deepEqual(e.skipped.map((s) => [s.name, s.reason]), [['eng', 'for team eng, not ops']]);
  assert.deepEqual(e.model && [e.model.allowed, e.model.reason], [true, 'the policy contractors allows any model']);
  assert.equal(e.tool?.allowed, false);
  assert.match(e.tool!.reason, /denied by Bash in the policy contractors/);
  assert.equal(e.max_output_tokens, null);

  const byDefault = explainPolicy([eng, contractors, fallback], { subject: { teamId: null, teamName: null, groups: [] } });
  assert.equal(byDefault.matched_by, 'default');
  assert.equal(byDefault.max_output_tokens, 8000);
  assert.equal(explainPolicy([], { subject: { teamId: null, teamName: null, groups: [] } }).matched_by, 'none');
});
