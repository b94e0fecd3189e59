import { invalidRequest } from '../../api/errors.js';

type Json = Record<string, any>;

/**
 * The minimal shape check before translation: what ccag itself needs to route the request.
 * Everything else is Bedrock's to validate (and its wording reaches the client).
 */
export function checkMessagesRequest(body: unknown, opts: { countTokens: boolean }): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('request body must be a JSON object');
  const b = body as Json;
  if (typeof b.model !== 'string' || !b.model.trim()) throw invalidRequest('model: Field required');
  if (!Array.isArray(b.messages)) throw invalidRequest('messages: Field required');
  // The gateway reads these itself (policy, search, token features, translation) before Bedrock could refuse them.
  const notObject = b.messages.findIndex((m: unknown) => !isObject(m));
  if (notObject >= 0) throw invalidRequest(`messages.${notObject}: Input should be a valid dictionary`);
  if (b.tools !== undefined && !Array.isArray(b.tools)) throw invalidRequest('tools: Input should be a valid list');
  const badTool = (b.tools as unknown[] | undefined)?.findIndex((t) => !isObject(t)) ?? -1;
  if (badTool >= 0) throw invalidRequest(`tools.${badTool}: Input should be a valid dictionary`);
  if (b.system !== undefined && typeof b.system !== 'string' && !Array.isArray(b.system)) throw invalidRequest('system: Input should be a valid string or list');
  if (!opts.countTokens) {
    if (b.max_tokens === undefined) throw invalidRequest('max_tokens: Field required');
    if (!Number.isInteger(b.max_tokens) || b.max_tokens < 1) throw invalidRequest('max_tokens: Input should be a positive integer');
    if (b.stream !== undefined && typeof b.stream !== 'boolean') throw invalidRequest('stream: Input should be a valid boolean');
  }
  return b;
}

const isObject = (v: unknown): boolean => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
