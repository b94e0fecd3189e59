import type { FastifyInstance } from 'fastify';
import type { WellKnown } from '../api/schemas.js';
import { anonymous } from '../auth/access.js';
import type { Services } from './services.js';

const readyTimeoutMs = 2_000;

/** Liveness, readiness, discovery and the probe Claude Code sends before its first request. */
export async function opsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config, version } = services;

  app.get('/health', { config: { access: anonymous } }, async () => ({ status: 'ok' }));

  app.get('/ready', { config: { access: anonymous } }, async (_req, reply) => {
    try {
      await withTimeout(db.query('SELECT 1'), readyTimeoutMs);
      return { status: 'ready', degraded: false, database: db.kind };
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', degraded: true, database: db.kind, reason: `database unreachable: ${(err as Error).message}` });
    }
  });

  app.get('/.well-known/ccag.json', { config: { access: anonymous } }, async (): Promise<WellKnown> => ({
    name: 'ccag',
    version,
    public_url: config.publicUrl,
    admin_api: `${config.publicUrl}/admin/v1`,
    login_methods: ['password'],
  }));

  // Claude Code probes HEAD /api/hello before its first request; fastify answers HEAD from GET.
  app.get('/api/hello', { config: { access: anonymous } }, async () => ({}));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
