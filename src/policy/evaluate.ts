import type { Policy } from './policy.js';

/** Who a policy is chosen for: a principal, or a user or key named to `explain`. */
export interface PolicySubject {
  teamId: string | null;
  /** Lower-case IdP and SCIM groups; empty for a team's own key. */
  groups: readonly string[];
}

export type MatchedBy = 'team' | 'group' | 'team_and_group' | 'default' | 'none';

export interface PolicyDecision {
  /** The policy that decides; null: none applies, everything is allowed. */
  policy: Policy | null;
  matchedBy: MatchedBy;
}

export const noPolicy: PolicyDecision = { policy: null, matchedBy: 'none' };

/**
 * How a policy matches a subject, or undefined. A policy naming a team and a group matches
 * members of that group in that team only; the default matches everyone.
 */
export function policyMatch(policy: Policy, subject: PolicySubject): MatchedBy | undefined {
  if (policy.isDefault) return 'default';
  if (policy.teamId !== null && policy.teamId !== subject.teamId) return undefined;
  if (policy.group !== null && !subject.groups.includes(policy.group)) return undefined;
  if (policy.teamId !== null && policy.group !== null) return 'team_and_group';
  return policy.teamId !== null ? 'team' : 'group';
}

/** The first policy, in order, that matches the subject (the default is last in `ordered`). */
export function decidePolicy(ordered: readonly Policy[], subject: PolicySubject): PolicyDecision {
  for (const policy of ordered) {
    const matchedBy = policyMatch(policy, subject);
    if (matchedBy) return { policy, matchedBy };
  }
  return noPolicy;
}

/** The allowed-models entry that admits a model (by any of its names), true without a list, or undefined: refused. */
export function allowedModelEntry(policy: Policy | null, names: Iterable<string>): string | true | undefined {
  if (!policy?.allowedModels) return true;
  return policy.allowedModels.matchAny(names);
}

const toolVersionSuffix = /_\d{8}$/;

/**
 * The denied-tools entry a tool definition falls under, or undefined. Tools are matched by
 * the name the client gives them, and Anthropic-defined and server tools also by their type
 * without its version (`web_search_20250305` → `web_search`, `text_editor_20250728` → `text_editor`).
 */
export function deniedToolEntry(policy: Policy | null, tool: { name?: unknown; type?: unknown }): string | undefined {
  const denied = policy?.deniedTools;
  if (!denied) return undefined;
  const byName = typeof tool.name === 'string' ? denied.match(tool.name) : undefined;
  if (byName !== undefined || typeof tool.type !== 'string' || !toolVersionSuffix.test(tool.type)) return byName;
  return denied.match(tool.type.replace(toolVersionSuffix, ''));
}
