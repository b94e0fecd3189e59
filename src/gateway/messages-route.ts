import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden } from '../api/errors.js';
import { principalOf } from '../admin/request.js';
import { anyCredential } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../server/services.js';
import { costMicros } from '../spend/cost.js';
import type { RequestRecord } from '../spend/request-log.js';
import { SseWriter } from './anthropic/sse.js';
import { checkMessagesRequest } from './anthropic/request-shape.js';
import { mapUpstreamError } from './bedrock/errors.js';
import { translateRequest, type BedrockRequest } from './bedrock/translate-request.js';
import { tokenFeatures } from './count-tokens/features.js';
import { invokeJson, invokeStream, invokeWithLearning } from './invoke.js';
import { resolveModel, type ResolvedModel } from './models/resolve.js';
import { relayStream } from './stream-relay.js';
import { completeUsage, toUsage, type Usage } from './usage.js';

type Json = Record<string, any>;
const decoder = new TextDecoder();

/** A key limited to some models may call only those (403 naming the model otherwise). */
export function assertModelAllowed(p: Principal, model: string): void {
  if (!p.models) return;
  const base = model.replace(/\[1m\]$/i, '');
  if (p.models.includes(model) || p.models.includes(base)) return;
  throw forbidden(`this key may not use the model ${model}; it may use: ${p.models.join(', ')}`);
}

/** One /v1/messages call on its way through the pipeline. */
interface Call {
  req: FastifyRequest;
  body: Json;
  model: ResolvedModel;
  record: RequestRecord;
  signal: AbortSignal;
  translate: () => BedrockRequest;
}

/**
 * POST /v1/messages: authenticate (route access) → authorize → resolve the model →
 * translate → invoke (one learned retry) → respond (SSE as it arrives, or JSON) → record.
 */
export async function messagesRoute(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const inference = services.inference;

  app.post('/v1/messages', { config: { access: anyCredential } }, async (req, reply) => {
    const p = principalOf(req);
    const body = checkMessagesRequest(req.body, { countTokens: false });
    const record = newRecord(req, p, body, inference.region);
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (reply.raw.writableFinished) return;
      record.clientAborted = true;
      abort.abort();
    });
    try {
      assertModelAllowed(p, body.model);
      const model = resolveModel(body.model, inference.models, inference.profilePrefix);
      record.bedrockModel = model.bedrockModelId;
      const translate = () => {
        const t = translateRequest(body, req.headers['anthropic-beta'], model, inference.capabilities, inference.endpoint);
        if (t.changes.length) req.log.debug({ changes: t.changes }, 'translated for Bedrock');
        return t;
      };
      const call: Call = { req, body, model, record, signal: abort.signal, translate };
      if (body.stream) await respondWithStream(call, reply);
      else return await respondWithJson(call, reply);
    } catch (err) {
      const error = mapUpstreamError(err);
      finish(record, error.status, error.type);
      throw error;
    }
  });

  const learning = (call: Call) => ({
    capabilities: inference.capabilities,
    endpoint: inference.endpoint,
    modelKey: modelKey(call.model),
    log: call.req.log,
  });

  async function respondWithJson(call: Call, reply: FastifyReply): Promise<Json> {
    const { output, retriedWithout } = await invokeWithLearning((r) => invokeJson(inference.client, r, call.signal), call.translate, learning(call));
    const message = JSON.parse(decoder.decode(output.body)) as Json;
    message.model = call.model.requested;
    delete message['amazon-bedrock-invocationMetrics'];
    message.usage = completeUsage(message.usage);
    const { record } = call;
    record.retriedWithout = retriedWithout;
    record.stopReason = message.stop_reason ?? null;
    record.toolNames = ((message.content as Json[] | undefined) ?? []).filter((b) => b?.type === 'tool_use').map((b) => String(b.name));
    record.ttftMs = Date.now() - record.at.getTime();
    account(call, toUsage(message.usage));
    finish(record, 200, null);
    reply.header('content-type', 'application/json');
    return message;
  }

  async function respondWithStream(call: Call, reply: FastifyReply): Promise<void> {
    // Failures up to here (validation, throttling…) still get their own HTTP status.
    const { output, retriedWithout } = await invokeWithLearning((r) => invokeStream(inference.client, r, call.signal), call.translate, learning(call));
    const { record, req } = call;
    record.retriedWithout = retriedWithout;
    reply.hijack();
    const sse = new SseWriter(reply.raw, { 'request-id': req.id }, inference.pingIntervalMs);
    const outcome = await relayStream(output.body!, sse, call.model.requested, record.at.getTime());
    sse.end();
    // An abandoned stream is charged what Bedrock reported, or an estimate of what was streamed.
    if (!outcome.sawMessageStop) outcome.usage.output_tokens = Math.max(outcome.usage.output_tokens, Math.ceil(outcome.streamedChars / 4));
    record.stopReason = outcome.stopReason;
    record.toolNames = outcome.toolNames;
    record.ttftMs = outcome.ttftMs;
    account(call, outcome.usage);
    finish(record, 200, outcome.errorType);
    req.log.info({ method: 'POST', path: '/v1/messages', status: 200, stream: true, ms: Date.now() - record.at.getTime(), aborted: record.clientAborted }, 'request');
  }

  /**
   * Records usage and its cost, and lets Bedrock's input count teach the estimate for models
   * CountTokens does not serve.
   */
  function account(call: Call, usage: Usage): void {
    const { record } = call;
    record.inputTokens = usage.input_tokens;
    record.outputTokens = usage.output_tokens;
    record.cacheReadTokens = usage.cache_read_input_tokens;
    record.cacheWrite5mTokens = usage.cache_creation.ephemeral_5m_input_tokens;
    record.cacheWrite1hTokens = usage.cache_creation.ephemeral_1h_input_tokens;
    const { price, model, priced } = inference.prices.lookup(call.model.requested.replace(/\[1m\]$/i, ''), modelKey(call.model));
    record.costMicros = costMicros(record, price, { regional: isRegionalProfile(call.model.bedrockModelId) });
    record.priced = priced;
    record.priceModel = model;
    if (call.model.info?.countTokens || !usage.input_tokens) return;
    const total = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
    inference.tokenEstimator.observe(modelKey(call.model), tokenFeatures(call.body), total);
  }

  function finish(record: RequestRecord, status: number, errorType: string | null): void {
    record.status = status;
    record.errorType = errorType;
    record.latencyMs = Date.now() - record.at.getTime();
    inference.requestLog.record(record);
  }
}

export const modelKey = (model: ResolvedModel): string => model.info?.id ?? model.bedrockModelId;

/** Regional cross-region profiles (us., eu., …) cost more than global. ones. */
const isRegionalProfile = (bedrockModelId: string) => /^(us|eu|apac|jp|au|us-gov)\./.test(bedrockModelId);

function newRecord(req: FastifyRequest, p: Principal, body: Json, region: string): RequestRecord {
  return {
    id: req.id,
    at: new Date(),
    keyId: p.keyId ?? null,
    userId: p.userId,
    teamId: p.teamId,
    route: 'messages',
    model: String(body.model).slice(0, 200),
    bedrockModel: null,
    region,
    stream: body.stream === true,
    status: 0,
    errorType: null,
    stopReason: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    latencyMs: null,
    ttftMs: null,
    toolNames: [],
    clientAborted: false,
    retriedWithout: [],
    costMicros: 0,
    priced: true,
    priceModel: null,
  };
}
