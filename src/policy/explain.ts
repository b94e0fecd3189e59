import type { PolicyExplanation } from '../api/schemas.js';
import { toPolicyView } from '../db/repos/policies.js';
import { allowedModelEntry, decidePolicy, deniedToolEntry, type PolicySubject } from './evaluate.js';
import type { Policy } from './policy.js';

export interface ExplainInput {
  subject: PolicySubject & { teamName: string | null };
  /** Every name of the model asked about (modelNames), with the name asked for first. */
  model?: { name: string; names: Iterable<string> };
  tool?: string;
}

/** Which policy decides for a subject and why, and what it does to a model and a tool. */
export function explainPolicy(ordered: readonly Policy[], input: ExplainInput): Omit<PolicyExplanation, 'subject'> {
  const { subject } = input;
  const { policy, matchedBy } = decidePolicy(ordered, subject);
  const skipped = ordered
    .slice(0, policy ? ordered.indexOf(policy) : ordered.length)
    .map((p) => ({ name: p.name, position: p.row.position, reason: whyNot(p, subject) }));
  const where = policy && !policy.isDefault ? ` (position ${policy.row.position})` : '';
  const reason = {
    team: `team ${subject.teamName} matches the policy ${policy?.name}${where}`,
    group: `group ${policy?.group} matches the policy ${policy?.name}${where}`,
    team_and_group: `team ${subject.teamName} and group ${policy?.group} match the policy ${policy?.name}${where}`,
    default: `no other policy matches: the default policy ${policy?.name} applies`,
    none: 'no policy matches and there is no default policy: everything is allowed',
  }[matchedBy];

  let model: PolicyExplanation['model'] = null;
  if (input.model) {
    const entry = allowedModelEntry(policy, input.model.names);
    const allowed = entry !== undefined;
    model = {
      name: input.model.name,
      allowed,
      reason: !policy
        ? 'no policy applies'
        : entry === true
          ? `the policy ${policy.name} allows any model`
          : allowed
            ? `allowed by ${entry} in the policy ${policy.name}`
            : `the policy ${policy.name} allows only: ${policy.allowedModels!.patterns.join(', ') || 'no model'}`,
    };
  }

  let tool: PolicyExplanation['tool'] = null;
  if (input.tool) {
    // The name may be a tool's name or an Anthropic-defined tool's type (web_search_20250305).
    const entry = deniedToolEntry(policy, { name: input.tool, type: input.tool });
    tool = {
      name: input.tool,
      allowed: entry === undefined,
      reason: !policy
        ? 'no policy applies'
        : entry === undefined
          ? `the policy ${policy.name} does not deny it`
          : `denied by ${entry} in the policy ${policy.name}: its definition is removed from requests`,
    };
  }

  return {
    policy: policy ? toPolicyView(policy.row) : null,
    matched_by: matchedBy,
    reason,
    skipped,
    model,
    tool,
    max_output_tokens: policy?.maxOutputTokens ?? null,
  };
}

function whyNot(p: Policy, subject: PolicySubject & { teamName: string | null }): string {
  if (p.teamId !== null && p.teamId !== subject.teamId) return `for team ${p.row.team_name}, not ${subject.teamName ?? 'no team'}`;
  return `for group ${p.group}, which is not among ${subject.groups.length ? subject.groups.join(', ') : 'no groups'}`;
}
