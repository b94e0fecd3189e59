import type { FastifyInstance } from 'fastify';
import { auditListQuery, type AuditEntry, type Page } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { listAudit } from '../db/repos/audit.js';
import { decodeCursor } from '../db/repos/page.js';
import type { Services } from '../server/services.js';
import { parseQuery } from './request.js';

/** The audit trail of admin, SCIM and policy changes, oldest first, with filters. */
export async function auditRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get('/audit', { config: { access: adminApi('admin') } }, async (req): Promise<Page<AuditEntry>> => {
    const q = parseQuery(auditListQuery, req.query);
    const { cursor, ...filter } = q;
    return listAudit(services.db, { ...filter, after: decodeCursor(cursor) });
  });
}
