import { CountTokensCommand } from '@aws-sdk/client-bedrock-runtime';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../admin/request.js';
import { anyCredential } from '../auth/access.js';
import type { Services } from '../server/services.js';
import { checkMessagesRequest } from './anthropic/request-shape.js';
import { mapUpstreamError } from './bedrock/errors.js';
import { translateRequest } from './bedrock/translate-request.js';
import { tokenFeatures } from './count-tokens/features.js';
import { modelKey } from './messages-route.js';
import { assertModelAllowed } from '../policy/model-access.js';
import { applyPolicy } from '../policy/apply.js';
import { resolveModelAt } from './models/resolve.js';

/**
 * POST /v1/messages/count_tokens: Bedrock's CountTokens where the model supports it (on the
 * base model id), otherwise the calibrated estimate.
 */
export async function countTokensRoute(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { inference } = services;

  app.post('/v1/messages/count_tokens', { config: { access: anyCredential } }, async (req) => {
    const p = principalOf(req);
    const body = checkMessagesRequest(req.body, { countTokens: true });
    assertModelAllowed(p, body.model);
    // Denied tools are removed here too, so the count matches what /v1/messages sends.
    applyPolicy(inference.policies.decideFor(p), body, inference.models);
    // Counting needs no failover: the first endpoint of the caller's route answers, or the estimate does.
    const endpoint = inference.router.route(p)[0]!;
    const model = resolveModelAt(endpoint, body.model, inference.models);
    if (model.info?.countTokens) {
      const translated = translateRequest({ ...body, max_tokens: 1 }, req.headers['anthropic-beta'], model, inference.capabilities, endpoint.id);
      try {
        const out = await endpoint.client.send(
          new CountTokensCommand({ modelId: model.info.bedrockId, input: { invokeModel: { body: new TextEncoder().encode(JSON.stringify(translated.body)) } } }),
        );
        if (typeof out.inputTokens === 'number') return { input_tokens: out.inputTokens };
      } catch (err) {
        const error = mapUpstreamError(err);
        // A refusal of the request itself is the client's to see; anything else falls back to the estimate.
        if (error.type === 'invalid_request_error' && !/count(ing)? tokens/i.test(error.message)) throw error;
        req.log.debug({ err: error.message }, 'CountTokens unavailable; estimating');
      }
    }
    return { input_tokens: inference.tokenEstimator.estimate(modelKey(model), tokenFeatures(body)) };
  });
}
