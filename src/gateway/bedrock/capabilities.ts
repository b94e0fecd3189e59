import { bedrockBetas } from './betas.js';
import type { ModelConfigStore } from '../models/mapping-store.js';

/** Top-level InvokeModel body keys Bedrock accepts for Anthropic models. */
export const bedrockFields: ReadonlySet<string> = new Set([
  'anthropic_version',
  'anthropic_beta',
  'max_tokens',
  'messages',
  'system',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'output_config',
  'context_management',
]);

export type RejectionKind = 'beta' | 'field' | 'tool_field';

const learnedTtlMs = 6 * 3_600_000;

/**
 * What a Bedrock endpoint accepts for a model: code defaults, then rejections learned from
 * ValidationExceptions at run time (per endpoint and model, for a few hours: Bedrock changes),
 * with admin overrides above both.
 */
export class CapabilityTable {
  private readonly learned = new Map<string, number>();

  constructor(private readonly store: ModelConfigStore) {}

  betaAllowed(endpoint: string, model: string, beta: string): boolean {
    const overrides = this.store.betaOverridesFor(model).filter((o) => o.beta === beta);
    const override = overrides.find((o) => o.model === model) ?? overrides[0];
    if (override) return override.allowed;
    if (this.isLearned(endpoint, model, 'beta', beta)) return false;
    return bedrockBetas.has(beta);
  }

  fieldAllowed(endpoint: string, model: string, field: string): boolean {
    return bedrockFields.has(field) && !this.isLearned(endpoint, model, 'field', field);
  }

  toolFieldAllowed(endpoint: string, model: string, field: string): boolean {
    return !this.isLearned(endpoint, model, 'tool_field', field);
  }

  learn(endpoint: string, model: string, kind: RejectionKind, name: string): void {
    this.learned.set(key(endpoint, model, kind, name), Date.now() + learnedTtlMs);
  }

  private isLearned(endpoint: string, model: string, kind: RejectionKind, name: string): boolean {
    const k = key(endpoint, model, kind, name);
    const until = this.learned.get(k);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.learned.delete(k);
    return false;
  }
}

const key = (endpoint: string, model: string, kind: RejectionKind, name: string) => `${endpoint}\0${model}\0${kind}\0${name}`;

/**
 * What a ValidationException says Bedrock refused, when it names it:
 * `extraneous key [x] is not permitted`, `x: Extra inputs are not permitted`,
 * `tools.3.defer_loading: Extra inputs are not permitted`, `invalid beta flag[: x]`.
 */
export function rejectionIn(message: string): { kind: RejectionKind; name: string } | { kind: 'beta'; name: undefined } | undefined {
  const extraneous = /extraneous key \[([A-Za-z0-9_]+)\] is not permitted/.exec(message);
  if (extraneous) return { kind: 'field', name: extraneous[1]! };
  const extra = /(?:^|[\s:])([A-Za-z0-9_]+)(?:\.(\d+)\.([A-Za-z0-9_]+))?: Extra inputs are not permitted/.exec(message);
  if (extra) {
    if (extra[1] === 'tools' && extra[3]) return { kind: 'tool_field', name: extra[3] };
    if (!extra[2]) return { kind: 'field', name: extra[1]! };
  }
  const beta = /invalid beta flag(?::\s*([A-Za-z0-9._-]+))?/i.exec(message);
  if (beta) return { kind: 'beta', name: beta[1] };
  return undefined;
}
