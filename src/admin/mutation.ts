import type { FastifyRequest } from 'fastify';
import type { AuthChange } from '../auth/credential-cache.js';
import { describePrincipal } from '../auth/principal.js';
import type { Queryable } from '../db/db.js';
import { insertAudit } from '../db/repos/audit.js';
import type { Services } from '../server/services.js';

export interface Mutation {
  tx: Queryable;
  /** Records the change in the audit log, in the same transaction. */
  audit(entry: { action: string; targetType: string; targetId: string | null; before?: unknown; after?: unknown }): Promise<void>;
  /** Announces an identity change to every replica's credential cache once the transaction commits. */
  invalidate(change: AuthChange): Promise<void>;
}

/**
 * Runs an admin change as one transaction with its audit entries and cache invalidations:
 * all of it happens, or none of it.
 */
export async function mutate<T>(services: Services, req: FastifyRequest, fn: (m: Mutation) => Promise<T>, actor?: string): Promise<T> {
  const changes: AuthChange[] = [];
  const p = req.principal;
  const result = await services.db.transaction((tx) =>
    fn({
      tx,
      audit: (e) =>
        insertAudit(tx, {
          ...e,
          actorUserId: p?.userId ?? null,
          actorKeyId: p?.keyId ?? null,
          // SCIM calls have no principal: the caller names the actor (`scim:<idp>`).
          actor: actor ?? (p ? describePrincipal(p) : null),
          requestId: req.id,
          ip: req.ip,
        }),
      invalidate: async (change) => {
        changes.push(change);
        await services.credentials.announceIn(tx, change);
      },
    }),
  );
  for (const change of changes) services.credentials.forget(change);
  return result;
}
