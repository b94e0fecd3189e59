import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { unauthenticated } from '../api/errors.js';
import type { WellKnown } from '../api/schemas.js';
import { anonymous, credentialFrom, metricsToken } from '../auth/access.js';
import type { Services } from './services.js';

// Above the pool's connect timeout (2 s), so an unanswered connection counts as an outage.
const readyTimeoutMs = 3_000;

/** Liveness, readiness, discovery and the probe Claude Code sends before its first request. */
export async function opsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config, version, sso, outage } = services;

  app.get('/health', { config: { access: anonymous } }, async () => ({ status: 'ok' }));

  // Ready while the database answers, and while an outage is within its grace period (inference
  // runs from caches: degraded); 503 after, so load balancers send traffic elsewhere.
  app.get('/ready', { config: { access: anonymous } }, async (_req, reply) => {
    try {
      await withTimeout(db.query('SELECT 1'), readyTimeoutMs);
      return { status: 'ready', degraded: false, database: db.kind };
    } catch (err) {
      const outageMs = outage.outageMs();
      const grace = { outage_seconds: Math.floor((outageMs ?? 0) / 1000), grace_seconds: outage.graceMs / 1000, budget_fail_mode: outage.budgetFailMode };
      const reason = `database unreachable: ${(err as Error).message.replace(/^database unreachable: /, '')}`;
      if (outage.state() === 'degraded') return { status: 'degraded', degraded: true, database: db.kind, reason, ...grace };
      return reply.code(503).send({ status: 'unavailable', degraded: true, database: db.kind, reason, ...grace });
    }
  });

  // Prometheus scrapes; with CCAG_METRICS_TOKEN set, only with that bearer token (docs/metrics.md).
  const metrics = services.inference.metrics;
  const expected = config.metricsToken ? digest(config.metricsToken) : undefined;
  app.get('/metrics', { config: { access: metricsToken } }, async (req, reply) => {
    if (expected) {
      const given = credentialFrom(req.headers);
      if (!given || !timingSafeEqual(digest(given), expected)) throw unauthenticated('GET /metrics needs the metrics token (CCAG_METRICS_TOKEN) as Authorization: Bearer');
    }
    reply.header('content-type', metrics.contentType);
    return metrics.exposition();
  });

  app.get('/.well-known/ccag.json', { config: { access: anonymous } }, async (): Promise<WellKnown> => {
    const idps = await sso.idps.enabled();
    return {
      name: 'ccag',
      version,
      public_url: config.publicUrl,
      admin_api: `${config.publicUrl}/admin/v1`,
      login_methods: idps.length ? ['sso', 'password'] : ['password'],
      identity_providers: idps.map((p) => p.name),
      device_authorization_endpoint: `${config.publicUrl}/oauth/device/code`,
      token_endpoint: `${config.publicUrl}/oauth/token`,
      revocation_endpoint: `${config.publicUrl}/oauth/revoke`,
      access_token_ttl_seconds: Math.floor(config.accessTokenTtlMs / 1000),
      client_id: 'ccag-cli',
    };
  });

  // RFC 8414 metadata, for OAuth tooling that discovers device login the standard way.
  app.get('/.well-known/oauth-authorization-server', { config: { access: anonymous } }, async () => ({
    issuer: config.publicUrl,
    device_authorization_endpoint: `${config.publicUrl}/oauth/device/code`,
    token_endpoint: `${config.publicUrl}/oauth/token`,
    revocation_endpoint: `${config.publicUrl}/oauth/revoke`,
    jwks_uri: `${config.publicUrl}/.well-known/jwks.json`,
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
  }));

  app.get('/.well-known/jwks.json', { config: { access: anonymous } }, async () => sso.accessTokens.jwks());

  // Claude Code probes HEAD /api/hello before its first request; fastify answers HEAD from GET.
  app.get('/api/hello', { config: { access: anonymous } }, async () => ({}));
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
