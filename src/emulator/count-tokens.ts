/** CountTokens: {"input":{"invokeModel":{"body":base64}}} → {"inputTokens":N} (protocols.md 2.8). */
import { resolveCountableModel } from './catalog.js';
import { BedrockError } from './exceptions.js';
import type { Exchange } from './exchange.js';
import { isRecord } from './json-shape.js';
import { countEmulatedTokens } from './tokens.js';
import { checkInvokeBody } from './validate.js';

export function countTokens(exchange: Exchange): void {
  const { record, rawBody, reply, state } = exchange;
  const model = resolveCountableModel(record.modelId, state.region);
  const input = parseInput(rawBody);
  if (isRecord(input.converse)) {
    throw new BedrockError('ValidationException', 'The Bedrock emulator counts only the invokeModel form of CountTokens input.');
  }
  const body = isRecord(input.invokeModel) ? input.invokeModel.body : undefined;
  if (typeof body !== 'string') {
    throw new BedrockError('ValidationException', "1 validation error detected: Value null at 'input.invokeModel.body' failed to satisfy constraint: Member must not be null");
  }
  const check = checkInvokeBody(Buffer.from(body, 'base64').toString('utf8'), {
    model,
    acceptedFields: state.acceptedFields,
    acceptedBetas: state.acceptedBetas,
    enforceContextWindow: false,
  });
  if (!check.ok) throw new BedrockError('ValidationException', check.message);
  reply.json(200, { inputTokens: countEmulatedTokens(check.body) });
}

function parseInput(rawBody: Buffer): Record<string, any> {
  let outer: unknown;
  try {
    outer = JSON.parse(rawBody.toString('utf8'));
  } catch {
    outer = undefined;
  }
  if (!isRecord(outer) || !isRecord(outer.input)) {
    throw new BedrockError('ValidationException', "1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null");
  }
  return outer.input;
}
