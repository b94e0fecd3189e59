import type { FastifyInstance } from 'fastify';
import { auditListQuery, type AuditEntry, type Page } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { listAudit } from '../db/repos/audit.js';
import { decodeCursor } from '../db/repos/page.js';
import type { Services } from '../server/services.js';
import { parseQuery } from './request.js';

/** The audit trail of admin changes, oldest first. */
export async function auditRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get('/audit', { config: { access: adminApi('admin') } }, async (req): Promise<Page<AuditEntry>> => {
    const q = parseQuery(auditListQuery, req.query);
    return listAudit(services.db, { limit: q.limit, after: decodeCursor(q.cursor), since: q.since, action: q.action });
  });
}
