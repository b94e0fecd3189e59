/**
 * What Bedrock InvokeModel accepts for Claude by default. Tests change these sets to play an
 * older or newer Bedrock.
 */

/** Top-level body keys (LiteLLM's Bedrock-invoke allowlist, protocols.md 2.2). */
export const defaultAcceptedFields: string[] = [
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
];

/**
 * anthropic_beta values (protocols.md 2.7: AWS's documented list plus those LiteLLM passes).
 * Left out on purpose, because Bedrock answers "invalid beta flag" to them: claude-code-*,
 * advanced-tool-use-*, per-turn-control-*, mid-conversation-*, thinking-token-count-*, oauth-*,
 * prompt-caching-scope-*.
 */
export const defaultAcceptedBetas: string[] = [
  'computer-use-2025-01-24',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'effort-2025-11-24',
  'fine-grained-tool-streaming-2025-05-14',
  'interleaved-thinking-2025-05-14',
  'output-128k-2025-02-19',
  'token-efficient-tools-2025-02-19',
  'tool-search-tool-2025-10-19',
  'tool-examples-2025-10-29',
  'compact-2026-01-12',
  'dev-full-thinking-2025-05-14',
];
