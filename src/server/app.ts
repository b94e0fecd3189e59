import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { authorize, type Access } from '../auth/access.js';
import { adminRoutes } from '../admin/routes.js';
import { devicePageRoutes } from '../auth/routes/device-page.js';
import { oauthRoutes } from '../auth/routes/oauth-routes.js';
import { oidcRoutes } from '../auth/routes/oidc-routes.js';
import { scimRoutes, sendScimNotFound } from '../scim/routes.js';
import { inferenceRoutes } from '../gateway/routes.js';
import '../admin/request.js';
import { sendError, toGatewayError } from './error-handler.js';
import { maxJsonDepth, nestedDeeperThan, tooDeeplyNested } from './json-depth.js';
import { opsRoutes } from './ops-routes.js';
import { portalRoutes } from './portal-routes.js';
import { newRequestId } from './request-id.js';
import { logRequestLine } from '../telemetry/logger.js';
import { setupRoutes } from './setup-routes.js';
import type { Services } from './services.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The route writes the request's log line itself (a stream, with what only it knows). */
    ownRequestLine: boolean;
  }
}

/** One entry of the route table: what the route-auth test enumerates. */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access | undefined;
}

/** Builds the fastify app: every route declares its access; errors leave in one shape. */
export async function buildApp(services: Services, routes: RouteEntry[] = []): Promise<FastifyInstance> {
  const { config, log } = services;
  const app = Fastify({
    loggerInstance: log,
    // One line per request, written by our onResponse hook (no bodies, no headers).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    genReqId: newRequestId,
    return503OnClosing: true,
    // Longer than any load balancer's idle timeout (an ALB's is up to 900 s in our templates):
    // the balancer, not ccag, must close an idle connection, or a request crossing the close gets a 502.
    keepAliveTimeout: 910_000,
    forceCloseConnections: 'idle',
  });

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access: route.config?.access });
  });

  // JSON only: a text/plain body must not reach a handler as a string.
  app.removeContentTypeParser('text/plain');
  // OAuth endpoints and the device page's forms post application/x-www-form-urlencoded.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // Hooks that do not wait for anything take a callback: an async hook costs promise turns on every request.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('request-id', req.id);
    done();
  });

  app.addHook('preValidation', (req, _reply, done) => {
    done(req.body !== null && typeof req.body === 'object' && nestedDeeperThan(req.body, maxJsonDepth) ? tooDeeplyNested() : undefined);
  });

  // Authentication and role checks, from the route's own declaration.
  app.addHook('preHandler', async (req) => {
    if (req.is404) return;
    const access = req.routeOptions.config.access;
    if (!access) throw new Error(`route ${req.routeOptions.url} declares no access`);
    req.principal = await authorize(access, req, services.credentials, config.publicUrl);
  });

  app.decorateRequest('ownRequestLine', false);
  app.addHook('onResponse', (req, reply, done) => {
    if (!req.ownRequestLine) logRequestLine(log, { reqId: req.id, method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 });
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const error = toGatewayError(err, config.maxBodyBytes);
    if (error.status >= 500) req.log.error({ err }, 'request failed');
    return sendError(reply, req, error);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    // SCIM clients get SCIM's error shape, also for what ccag does not implement (Bulk, .search, /Me).
    if (path.startsWith('/scim/v2/')) return sendScimNotFound(reply, path);
    return sendError(reply, req, notFound(`no route ${req.method} ${path}`));
  });

  await app.register(opsRoutes, { services });
  await app.register(setupRoutes, { services });
  await app.register(inferenceRoutes, { services });
  await app.register(adminRoutes, { services, prefix: '/admin/v1' });
  await app.register(oauthRoutes, { services });
  await app.register(devicePageRoutes, { services });
  await app.register(oidcRoutes, { services });
  await app.register(scimRoutes, { services });
  await app.register(portalRoutes);
  return app as unknown as FastifyInstance;
}
