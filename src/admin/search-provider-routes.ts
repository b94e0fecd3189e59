import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { invalidRequest, notFound } from '../api/errors.js';
import {
  createSearchProviderRequest,
  searchAssignmentRequest,
  testSearchProviderRequest,
  updateSearchProviderRequest,
  type Page,
  type SearchAssignment,
  type SearchProviderTestResult,
  type SearchProviderView,
} from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Queryable } from '../db/db.js';
import { iso } from '../db/repos/page.js';
import {
  assignSearchProvider,
  clearSearchAssignment,
  deleteSearchProvider,
  findSearchProvider,
  insertSearchProvider,
  listSearchAssignments,
  listSearchProviders,
  updateSearchProvider,
  type SearchAssignmentRow,
  type SearchProviderFields,
  type SearchProviderRow,
  type SearchScope,
} from '../db/repos/search-providers.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser } from '../db/repos/users.js';
import { announceConfigChange } from '../server/reloading-store.js';
import type { Services } from '../server/services.js';
import { assertPublicUrl, createProvider, type ProviderKind } from '../websearch/provider.js';
import { buildSearchProvider } from '../websearch/provider-store.js';
import { mutate, type Mutation } from './mutation.js';
import { type RefParams, parseBody } from './request.js';
import { uniqueViolation } from './unique-violation.js';

const toAssignment = (a: SearchAssignmentRow): SearchAssignment => ({ scope: a.scope, subject: a.subject, provider: a.provider });

/**
 * Web search providers (admins only) and who searches with which: the gateway, a team or a user.
 * API keys go in sealed and never come out. Changes reach every replica (topic `search`).
 */
export async function searchProviderRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, sso, inference } = services;
  const access = { config: { access: adminApi('admin') } };
  const store = inference.search.providers;
  const announce = (m: Mutation) => announceConfigChange(m.tx, 'search');

  async function view(tx: Queryable, row: SearchProviderRow): Promise<SearchProviderView> {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind as SearchProviderView['kind'],
      url: row.url,
      has_api_key: row.api_key_sealed !== null,
      allow_private: row.allow_private,
      timeout_ms: row.timeout_ms,
      assignments: (await listSearchAssignments(tx, row.id)).map(toAssignment),
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
    };
  }

  async function requireProvider(tx: Queryable, ref: string): Promise<SearchProviderRow> {
    const row = await findSearchProvider(tx, ref);
    if (!row) throw notFound(`no search provider ${ref}`);
    return row;
  }

  /**
   * The row's fields with a request's changes applied, the key sealed; refused (400) when the
   * provider could not be built, or its URL is internal and private addresses are not allowed.
   */
  async function apply(base: SearchProviderFields, b: z.infer<typeof updateSearchProviderRequest>): Promise<SearchProviderFields> {
    const fields: SearchProviderFields = {
      ...base,
      ...(b.name !== undefined && { name: b.name }),
      ...(b.kind !== undefined && { kind: b.kind }),
      ...(b.url !== undefined && { url: b.url }),
      ...(b.api_key !== undefined && { api_key_sealed: b.api_key === null ? null : sso.secrets.encrypt(b.api_key) }),
      ...(b.allow_private !== undefined && { allow_private: b.allow_private }),
      ...(b.timeout_ms !== undefined && { timeout_ms: b.timeout_ms }),
    };
    try {
      // The stored key is not unsealed for the check: only whether there is one matters.
      createProvider({ kind: fields.kind as ProviderKind, url: fields.url ?? undefined, apiKey: b.api_key ?? (fields.api_key_sealed ? 'sealed' : undefined), timeoutMs: fields.timeout_ms ?? undefined });
    } catch (err) {
      throw invalidRequest((err as Error).message);
    }
    if (fields.url && (b.url !== undefined || b.allow_private !== undefined)) {
      await assertPublicUrl(fields.url.replace('{query}', 'q'), { allowPrivate: fields.allow_private }).catch((err: Error) => {
        throw invalidRequest(`url: ${err.message}`);
      });
    }
    return fields;
  }

  /** The subject's id: a team by name or id, a user by email, username or id; null for the gateway. */
  async function subjectId(tx: Queryable, scope: SearchScope, subject: string | undefined): Promise<string | null> {
    if (scope === 'gateway') return null;
    const found = scope === 'team' ? await findTeam(tx, subject!) : await findUser(tx, subject!);
    if (!found) throw notFound(`no ${scope} ${subject}`);
    return found.id;
  }

  const currentAssignment = async (tx: Queryable, scope: SearchScope, id: string | null) =>
    (await listSearchAssignments(tx)).find((a) => a.scope === scope && a.subject_id === id);

  app.get('/search-providers', access, async (): Promise<Page<SearchProviderView>> => {
    const rows = await listSearchProviders(db);
    return { data: await Promise.all(rows.map((r) => view(db, r))), next_cursor: null };
  });

  app.get<{ Params: RefParams }>('/search-providers/:ref', access, async (req): Promise<SearchProviderView> => view(db, await requireProvider(db, req.params.ref)));

  app.post('/search-providers', access, async (req, reply): Promise<SearchProviderView> => {
    const body = parseBody(createSearchProviderRequest, req.body);
    const fields = await apply({ name: body.name, kind: body.kind, url: null, api_key_sealed: null, allow_private: false, timeout_ms: null }, body);
    const created = await mutate(services, req, async (m) => {
      const row = await insertSearchProvider(m.tx, fields).catch(uniqueViolation(`a search provider named ${body.name} already exists`));
      const after = await view(m.tx, row);
      await m.audit({ action: 'search_provider.create', targetType: 'search_provider', targetId: row.id, after });
      await announce(m);
      return after;
    });
    await store.reload();
    reply.code(201);
    return created;
  });

  app.patch<{ Params: RefParams }>('/search-providers/:ref', access, async (req): Promise<SearchProviderView> => {
    const body = parseBody(updateSearchProviderRequest, req.body);
    const current = await requireProvider(db, req.params.ref);
    const fields = await apply(current, body);
    const updated = await mutate(services, req, async (m) => {
      const before = await requireProvider(m.tx, current.id);
      const row = await updateSearchProvider(m.tx, before.id, fields).catch(uniqueViolation(`a search provider named ${body.name} already exists`));
      const after = await view(m.tx, row);
      await m.audit({ action: 'search_provider.update', targetType: 'search_provider', targetId: row.id, before: await view(m.tx, before), after });
      await announce(m);
      return after;
    });
    await store.reload();
    return updated;
  });

  // Whoever searched with it falls back to the next assignment up.
  app.delete<{ Params: RefParams }>('/search-providers/:ref', access, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const row = await requireProvider(m.tx, req.params.ref);
      const before = await view(m.tx, row);
      await deleteSearchProvider(m.tx, row.id);
      await m.audit({ action: 'search_provider.delete', targetType: 'search_provider', targetId: row.id, before });
      await announce(m);
    });
    await store.reload();
    return reply.code(204).send();
  });

  // One real search, as the gateway would run it: what an admin checks after adding a provider.
  app.post<{ Params: RefParams }>('/search-providers/:ref/test', access, async (req): Promise<SearchProviderTestResult> => {
    const body = parseBody(testSearchProviderRequest, req.body);
    const row = await requireProvider(db, req.params.ref);
    const query = body.query ?? 'Claude Code';
    const started = Date.now();
    try {
      const results = await buildSearchProvider(row, sso.secrets).search({ query, maxResults: 5 });
      const first = results[0] ? { url: results[0].url, title: results[0].title } : null;
      return { ok: true, provider: row.name, query, results: results.length, first, latency_ms: Date.now() - started, error: null };
    } catch (err) {
      return { ok: false, provider: row.name, query, results: 0, first: null, latency_ms: Date.now() - started, error: (err as Error).message };
    }
  });

  app.put<{ Params: RefParams }>('/search-providers/:ref/assign', access, async (req): Promise<SearchAssignment> => {
    const body = parseBody(searchAssignmentRequest, req.body);
    const assigned = await mutate(services, req, async (m) => {
      const row = await requireProvider(m.tx, req.params.ref);
      const id = await subjectId(m.tx, body.scope, body.subject);
      const before = await currentAssignment(m.tx, body.scope, id);
      await assignSearchProvider(m.tx, body.scope, id, row.id);
      const after = toAssignment((await currentAssignment(m.tx, body.scope, id))!);
      await m.audit({ action: 'search_provider.assign', targetType: 'search_provider', targetId: row.id, before: before ? toAssignment(before) : null, after });
      await announce(m);
      return after;
    });
    await store.reload();
    return assigned;
  });

  app.delete('/search-assignments', access, async (req, reply) => {
    const body = parseBody(searchAssignmentRequest, req.body);
    await mutate(services, req, async (m) => {
      const id = await subjectId(m.tx, body.scope, body.subject);
      const before = await currentAssignment(m.tx, body.scope, id);
      if (!before) throw notFound(body.scope === 'gateway' ? 'the gateway has no search provider assigned' : `${body.subject} has no search provider assigned`);
      await clearSearchAssignment(m.tx, body.scope, id);
      await m.audit({ action: 'search_provider.unassign', targetType: 'search_provider', targetId: before.provider_id, before: toAssignment(before), after: null });
      await announce(m);
    });
    await store.reload();
    return reply.code(204).send();
  });
}
