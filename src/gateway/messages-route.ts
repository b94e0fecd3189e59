import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../admin/request.js';
import { anyCredential } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../server/services.js';
import { costMicros } from '../spend/cost.js';
import type { RequestRecord } from '../spend/request-log.js';
import { admitRequest, releaseRequest, type Admitted } from './admission.js';
import { SseWriter } from './anthropic/sse.js';
import { checkMessagesRequest } from './anthropic/request-shape.js';
import { mapUpstreamError } from './bedrock/errors.js';
import { translateRequest, type BedrockRequest } from './bedrock/translate-request.js';
import { tokenFeatures } from './count-tokens/features.js';
import { invokeJson, invokeStream, invokeWithLearning } from './invoke.js';
import { resolveModelAt, type ResolvedModel } from './models/resolve.js';
import type { Endpoint } from '../routing/endpoint.js';
import { firstEventReady, withFailover } from '../routing/failover.js';
import { searchTurnJson, searchTurnStream, type SearchTurnDeps, type SearchTurnOutcome } from '../websearch/loop.js';
import { hasSearchHistory, webSearchOptions, withSearchHistory, type WebSearchOptions } from '../websearch/request.js';
import { assertModelAllowed } from '../policy/model-access.js';
import { applyPolicy } from '../policy/apply.js';
import { relayStream } from './stream-relay.js';
import { completeUsage, toUsage, type Usage } from './usage.js';
import { logRequestLine } from '../telemetry/logger.js';

type Json = Record<string, any>;
const decoder = new TextDecoder();

/** One /v1/messages call on its way through the pipeline. */
interface Call {
  req: FastifyRequest;
  principal: Principal;
  body: Json;
  /** The model as the first endpoint of the route names it (the one that served, once served). */
  model: ResolvedModel;
  /** The endpoints to try, in order. */
  route: Endpoint[];
  record: RequestRecord;
  /** Aborts the Bedrock call when a streaming client leaves (none for a non-streaming call: it runs to its end). */
  signal: AbortSignal | undefined;
  admitted: Admitted;
}

/** Output tokens a budget reservation assumes (most answers are far shorter than max_tokens). */
const expectedOutputTokens = 4_096;

/**
 * POST /v1/messages: authenticate (route access) → authorize (key's models, policy) → resolve the model → admit
 * against budgets → translate → invoke (learned retries) → respond (SSE as it arrives, or
 * JSON) → record and settle. The translation stage may retry with Bedrock up to three times,
 * each time without something Bedrock refused by name.
 */
export async function messagesRoute(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const inference = services.inference;

  app.post('/v1/messages', { config: { access: anyCredential } }, async (req, reply) => {
    const p = principalOf(req);
    const body = checkMessagesRequest(req.body, { countTokens: false });
    const route = inference.router.route(p);
    const record = newRecord(req, p, body, route[0]!.region);
    inference.metrics.requestStarted(); // metrics: ended in finish()
    let admitted: Admitted | undefined;
    const abort = body.stream ? new AbortController() : undefined;
    // A client gone mid-stream stops the Bedrock call (what was streamed is charged); a
    // non-streaming call runs to its end, so its real usage is recorded either way.
    reply.raw.on('close', () => {
      if (reply.raw.writableFinished) return;
      record.clientAborted = true;
      abort?.abort();
    });
    try {
      assertModelAllowed(p, body.model);
      const policyChanges = applyPolicy(inference.policies.decideFor(p), body, inference.models);
      if (policyChanges.length) req.log.debug({ changes: policyChanges }, 'applied policy');
      // Web search is the gateway's to run (Bedrock has no server tools); earlier searches in
      // the history become client tool calls Bedrock accepts.
      const search = webSearchOptions(body);
      if (!search && hasSearchHistory(body.messages)) body.messages = withSearchHistory(body.messages);
      const model = resolveModelAt(route[0]!, body.model, inference.models);
      record.bedrockModel = model.bedrockModelId;
      admitted = await admitRequest(inference, p, req.id, estimateCost(model, body, Number(req.headers['content-length']) || 0), req.log);
      const call: Call = { req, principal: p, body, model, route, record, signal: abort?.signal, admitted };
      reply.headers(admitted.headers);
      if (search) return await respondWithSearch(call, reply, search);
      if (body.stream) await respondWithStream(call, reply);
      else return await respondWithJson(call, reply);
    } catch (err) {
      const error = mapUpstreamError(err);
      finish(record, error.status, error.type, admitted);
      throw error;
    }
  });

  /** A budget reservation: the prompt at about 3 bytes a token, and a typical answer. */
  function estimateCost(model: ResolvedModel, body: Json, bodyBytes: number): number {
    if (!bodyBytes) bodyBytes = JSON.stringify(body).length;
    const usage = { inputTokens: Math.ceil(bodyBytes / 3), outputTokens: Math.min(Number(body.max_tokens) || 0, expectedOutputTokens), cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    const { price } = inference.prices.lookup(model.requested.replace(/\[1m\]$/i, ''), modelKey(model));
    return costMicros(usage, price, { regional: isRegionalProfile(model.bedrockModelId) });
  }

  /**
   * Invokes Bedrock over the call's route: each endpoint names the model its own way and
   * learns its own refusals; a failing endpoint hands over to the next before the client has
   * seen a byte. The call then carries the endpoint and model that served it.
   */
  async function invokeRouted<T>(call: Call, reply: FastifyReply, invoke: (invoker: Endpoint['invoker'], request: BedrockRequest) => Promise<T>) {
    const { req, body } = call;
    const served = await withFailover(
      call.route,
      inference.router.health,
      modelKey(call.model),
      async (endpoint) => {
        const model = resolveModelAt(endpoint, body.model, inference.models);
        const translate = () => {
          const t = translateRequest(body, req.headers['anthropic-beta'], model, inference.capabilities, endpoint.id);
          if (t.changes.length) req.log.debug({ changes: t.changes }, 'translated for Bedrock');
          return t;
        };
        const learning = { capabilities: inference.capabilities, endpoint: endpoint.id, modelKey: modelKey(model), log: req.log };
        return { model, ...(await invokeWithLearning((r) => invoke(endpoint.invoker, r), translate, learning)) };
      },
      { signal: call.signal, log: req.log },
    );
    const { record } = call;
    call.model = served.result.model;
    record.endpoint = served.endpoint.name;
    record.region = served.endpoint.region;
    record.bedrockModel = served.result.model.bedrockModelId;
    record.retriedWithout = served.result.retriedWithout;
    // Which account and region served it is for admins to see, not for everyone.
    if (call.principal.role === 'admin') reply.header('x-ccag-endpoint', served.endpoint.name);
    return served.result.output;
  }

  async function respondWithJson(call: Call, reply: FastifyReply): Promise<FastifyReply> {
    const output = await invokeRouted(call, reply, (invoker, r) => invokeJson(invoker, r, call.signal));
    const message = JSON.parse(decoder.decode(output)) as Json;
    message.model = call.model.requested;
    delete message['amazon-bedrock-invocationMetrics'];
    message.usage = completeUsage(message.usage);
    const { record } = call;
    record.ttftMs = Date.now() - record.at.getTime();
    reply.header('content-type', 'application/json').send(message);
    // The answer is on its way (written to the socket): pricing, budgets, metrics and the
    // request record come after it rather than before, and still before any next request.
    record.stopReason = message.stop_reason ?? null;
    record.toolNames = ((message.content as Json[] | undefined) ?? []).filter((b) => b?.type === 'tool_use').map((b) => String(b.name));
    account(call, toUsage(message.usage));
    finish(record, 200, null, call.admitted);
    return reply;
  }

  async function respondWithStream(call: Call, reply: FastifyReply): Promise<void> {
    // Failures up to the first event (validation, throttling…) still get their own HTTP status,
    // or fail over to the next endpoint.
    const events = await invokeRouted(call, reply, async (invoker, r) => firstEventReady(await invokeStream(invoker, r, call.signal)));
    const { record } = call;
    const sse = openStream(call, reply);
    const outcome = await relayStream(events, sse, call.model.requested, record.at.getTime());
    sse.end();
    // An abandoned stream is charged what Bedrock reported, or an estimate of what was streamed.
    if (!outcome.sawMessageStop) outcome.usage.output_tokens = Math.max(outcome.usage.output_tokens, Math.ceil(outcome.streamedChars / 4));
    record.stopReason = outcome.stopReason;
    record.toolNames = outcome.toolNames;
    record.ttftMs = outcome.ttftMs;
    account(call, outcome.usage);
    finish(record, 200, outcome.errorType, call.admitted);
    logStreamLine(call);
  }

  /** The response becomes a stream of events: fastify lets go of it, and the request's log line is the route's to write. */
  function openStream(call: Call, reply: FastifyReply): SseWriter {
    reply.hijack();
    // Written by logStreamLine: it says the request streamed and whether the client left, which no response hook sees.
    call.req.ownRequestLine = true;
    return new SseWriter(reply.raw, { 'request-id': call.req.id, ...call.admitted.headers, ...endpointHeader(reply) }, inference.pingIntervalMs);
  }

  function logStreamLine({ req, record }: Call): void {
    if (!req.ownRequestLine) return;
    logRequestLine(services.log, { reqId: req.id, method: 'POST', path: '/v1/messages', status: 200, stream: true, ms: Date.now() - record.at.getTime(), aborted: record.clientAborted });
  }

  /**
   * A web search turn: the gateway runs the model/search loop over the call's route, streamed
   * as it happens or answered as one message; searches are charged on top of the tokens.
   */
  async function respondWithSearch(call: Call, reply: FastifyReply, options: WebSearchOptions): Promise<Json | undefined> {
    const { record } = call;
    const round = (body: Json): Call => ({ ...call, body });
    const deps: SearchTurnDeps = {
      invoke: async (body) => JSON.parse(decoder.decode(await invokeRouted(round(body), reply, (invoker, r) => invokeJson(invoker, r, call.signal)))) as Json,
      invokeStream: (body) => invokeRouted(round(body), reply, async (invoker, r) => firstEventReady(await invokeStream(invoker, r, call.signal))),
      provider: inference.search.providers.providerFor(call.principal),
      signal: call.signal,
    };
    const settle = (outcome: SearchTurnOutcome) => {
      record.stopReason = outcome.stopReason;
      record.toolNames = outcome.toolNames;
      record.ttftMs ??= Date.now() - record.at.getTime();
      account(call, outcome.usage);
      record.webSearches = outcome.searches;
      record.costMicros += outcome.searches * inference.search.priceMicros;
      finish(record, 200, outcome.errorType, call.admitted);
    };
    if (!call.body.stream) {
      const { message, outcome } = await searchTurnJson(call.body, options, deps);
      message.model = call.model.requested;
      delete message['amazon-bedrock-invocationMetrics'];
      settle(outcome);
      reply.header('content-type', 'application/json');
      return message;
    }
    const outcome = await searchTurnStream(
      call.body,
      options,
      deps,
      () => openStream(call, reply),
      call.model.requested,
    );
    outcome.sse?.end();
    settle(outcome);
    logStreamLine(call);
    return undefined;
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
    if (call.model.info?.countTokens || !usage.input_tokens || !inference.tokenEstimator.wantsObservation(modelKey(call.model))) return;
    const total = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
    inference.tokenEstimator.observe(modelKey(call.model), tokenFeatures(call.body), total);
  }

  function finish(record: RequestRecord, status: number, errorType: string | null, admitted: Admitted | undefined): void {
    record.status = status;
    record.errorType = errorType;
    record.latencyMs = Date.now() - record.at.getTime();
    releaseRequest(inference, admitted, record.id, { cost: record.costMicros, tokens: record.inputTokens + record.outputTokens });
    inference.requestLog.record(record);
    inference.metrics.requestFinished(record);
    // Near a budget's limit, settle at once so every replica sees the spend.
    if (admitted?.budget?.tight) void inference.requestLog.flush();
  }
}

export const modelKey = (model: ResolvedModel): string => model.info?.id ?? model.bedrockModelId;

/** The x-ccag-endpoint header set for an admin, carried into a hijacked (streamed) response. */
function endpointHeader(reply: FastifyReply): Record<string, string> {
  const value = reply.getHeader('x-ccag-endpoint');
  return value === undefined ? {} : { 'x-ccag-endpoint': String(value) };
}

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
    endpoint: null,
    webSearches: 0,
    costMicros: 0,
    priced: true,
    priceModel: null,
  };
}
