import type { FastifyInstance } from 'fastify';
import type { Services } from '../server/services.js';
import { analyticsRoutes } from './analytics-routes.js';
import { auditRoutes } from './audit-routes.js';
import { deviceRoutes } from './device-routes.js';
import { endpointRoutes } from './endpoint-routes.js';
import { idpRoutes } from './idp-routes.js';
import { searchProviderRoutes } from './search-provider-routes.js';
import { scimAdminRoutes } from './scim-admin-routes.js';
import { authRoutes } from './auth-routes.js';
import { keyRoutes } from './key-routes.js';
import { modelRoutes } from './model-routes.js';
import { budgetRoutes } from './budget-routes.js';
import { policyRoutes } from './policy-routes.js';
import { pricingRoutes } from './pricing-routes.js';
import { spendRoutes } from './spend-routes.js';
import { teamRoutes } from './team-routes.js';
import { userRoutes } from './user-routes.js';

/** The admin API, mounted at /admin/v1. */
export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const opts = { services };
  await app.register(authRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(teamRoutes, opts);
  await app.register(keyRoutes, opts);
  await app.register(auditRoutes, opts);
  await app.register(modelRoutes, opts);
  await app.register(pricingRoutes, opts);
  await app.register(spendRoutes, opts);
  await app.register(budgetRoutes, opts);
  await app.register(analyticsRoutes, opts);
  await app.register(policyRoutes, opts);
  await app.register(idpRoutes, opts);
  await app.register(scimAdminRoutes, opts);
  await app.register(deviceRoutes, opts);
  await app.register(endpointRoutes, opts);
  await app.register(searchProviderRoutes, opts);
}
