import { forbidden } from '../api/errors.js';
import type { ModelConfigStore } from '../gateway/models/mapping-store.js';
import { allowedModelEntry, deniedToolEntry, type PolicyDecision } from './evaluate.js';
import { modelNames } from './model-names.js';

type Json = Record<string, any>;

/** A thinking budget below this is refused upstream. */
const minThinkingBudget = 1_024;

/**
 * Holds a Messages request to the caller's policy, before translation: a model the policy
 * does not allow, or a `tool_choice` forcing a denied tool, is refused (403 naming it);
 * denied tools' definitions are removed, so the model never sees them; `max_tokens` above
 * the policy's cap is lowered to it. Returns what it changed (for the debug log).
 *
 * `tool_use` and `tool_result` blocks already in the conversation stay: they are history,
 * and a tool_use naming a tool absent from `tools` is accepted upstream.
 */
export function applyPolicy(decision: PolicyDecision, body: Json, mappings: ModelConfigStore): string[] {
  const { policy } = decision;
  if (!policy) return [];
  const changes: string[] = [];
  if (policy.allowedModels && allowedModelEntry(policy, modelNames(String(body.model), mappings)) === undefined) {
    throw forbidden(`the model ${body.model} is not allowed by the policy ${policy.name}; it allows: ${policy.allowedModels.patterns.join(', ') || 'no model'}`);
  }
  if (policy.deniedTools) {
    const choice = body.tool_choice as Json | undefined;
    if (choice?.type === 'tool' && typeof choice.name === 'string' && deniedToolEntry(policy, choice) !== undefined) {
      throw forbidden(`tool_choice forces the tool ${choice.name}, which the policy ${policy.name} denies`);
    }
    if (Array.isArray(body.tools)) {
      const kept = (body.tools as Json[]).filter((tool) => !tool || typeof tool !== 'object' || deniedToolEntry(policy, tool) === undefined);
      if (kept.length < body.tools.length) {
        changes.push(`removed ${body.tools.length - kept.length} tool(s) denied by the policy ${policy.name}`);
        if (kept.length) body.tools = kept;
        else {
          // With no tool left, a tool_choice (auto, any) has nothing to choose from.
          delete body.tools;
          delete body.tool_choice;
        }
      }
    }
  }
  const cap = policy.maxOutputTokens;
  if (cap !== null && typeof body.max_tokens === 'number' && body.max_tokens > cap) {
    body.max_tokens = cap;
    changes.push(`max_tokens lowered to ${cap} by the policy ${policy.name}`);
    capThinking(body, cap, changes);
  }
  return changes;
}

/** A thinking budget must stay below max_tokens; too small a room for one drops thinking. */
function capThinking(body: Json, cap: number, changes: string[]): void {
  const thinking = body.thinking as Json | undefined;
  if (thinking?.type !== 'enabled' || typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < cap) return;
  if (cap - 1 < minThinkingBudget) {
    delete body.thinking;
    changes.push('dropped thinking (no room for a thinking budget under the cap)');
  } else {
    body.thinking = { ...thinking, budget_tokens: cap - 1 };
    changes.push(`thinking budget lowered to ${cap - 1}`);
  }
}
