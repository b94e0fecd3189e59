/** Token usage of one response, as Bedrock reports it (message_start, message_delta, metrics). */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

type Json = Record<string, any>;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * A usage object with every field clients read present, from whatever Bedrock sent. Unknown
 * fields (e.g. output_tokens_details) are kept.
 */
export function completeUsage(raw: Json | undefined): Json {
  const u = raw ?? {};
  const creation = num(u.cache_creation_input_tokens);
  const split = u.cache_creation && typeof u.cache_creation === 'object' ? u.cache_creation : {};
  return {
    ...u,
    input_tokens: num(u.input_tokens),
    cache_creation_input_tokens: creation,
    cache_read_input_tokens: num(u.cache_read_input_tokens),
    cache_creation: {
      ...split,
      ephemeral_5m_input_tokens: split.ephemeral_5m_input_tokens ?? (split.ephemeral_1h_input_tokens ? Math.max(0, creation - num(split.ephemeral_1h_input_tokens)) : creation),
      ephemeral_1h_input_tokens: num(split.ephemeral_1h_input_tokens),
    },
    output_tokens: num(u.output_tokens),
  };
}

export function toUsage(u: Json): Usage {
  const c = completeUsage(u);
  return {
    input_tokens: c.input_tokens,
    output_tokens: c.output_tokens,
    cache_read_input_tokens: c.cache_read_input_tokens,
    cache_creation_input_tokens: c.cache_creation_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: c.cache_creation.ephemeral_5m_input_tokens, ephemeral_1h_input_tokens: c.cache_creation.ephemeral_1h_input_tokens },
  };
}

export const emptyUsage = (): Usage => toUsage({});
