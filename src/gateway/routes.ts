import type { FastifyInstance } from 'fastify';
import type { Services } from '../server/services.js';
import { countTokensRoute } from './count-tokens-route.js';
import { messagesRoute } from './messages-route.js';
import { modelsRoute } from './models-route.js';

/** The Anthropic-compatible inference API. */
export async function inferenceRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  await app.register(messagesRoute, opts);
  await app.register(countTokensRoute, opts);
  await app.register(modelsRoute, opts);
}
