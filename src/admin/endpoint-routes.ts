import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { notFound } from '../api/errors.js';
import {
  createEndpointRequest,
  teamRoutingRequest,
  testEndpointRequest,
  updateEndpointRequest,
  type EndpointTestResult,
  type EndpointView,
  type Page,
  type TeamRouting,
} from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Queryable } from '../db/db.js';
import {
  clearTeamRouting,
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  listTeamRouting,
  setTeamRouting,
  updateEndpoint,
  type EndpointFields,
  type EndpointRow,
} from '../db/repos/endpoints.js';
import { iso } from '../db/repos/page.js';
import { findTeam } from '../db/repos/teams.js';
import { upstreamErrorInfo } from '../gateway/bedrock/errors.js';
import { resolveModelAt } from '../gateway/models/resolve.js';
import { announceConfigChange } from '../server/reloading-store.js';
import type { Services } from '../server/services.js';
import { mutate, type Mutation } from './mutation.js';
import { assertManagesTeam } from './permissions.js';
import { type RefParams, parseBody, principalOf } from './request.js';
import { uniqueViolation } from './unique-violation.js';

const endpointDefaults = { credentials: { type: 'default' }, profile_prefix: null, model_arns: {}, priority: 100, weight: 1, enabled: true, endpoint_url: null };

/**
 * Bedrock endpoints (admins) and each team's routing over them. Changes reach every replica's
 * router within seconds (topic `endpoints`) without resetting its health.
 */
export async function endpointRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, inference } = services;
  const admin = { config: { access: adminApi('admin') } };
  const announce = (m: Mutation) => announceConfigChange(m.tx, 'endpoints');

  function view(row: EndpointRow): EndpointView {
    const circuits = inference.router.health.snapshot().filter((c) => c.endpoint === row.id);
    const worst = circuits.some((c) => c.state === 'open') ? 'open' : circuits.some((c) => c.state === 'half-open') ? 'half-open' : 'closed';
    const latencies = circuits.map((c) => c.latency_ms).filter((l): l is number => l !== null);
    return {
      id: row.id,
      name: row.name,
      region: row.region,
      credentials: row.credentials as EndpointView['credentials'],
      profile_prefix: row.profile_prefix,
      model_arns: row.model_arns,
      priority: row.priority,
      weight: row.weight,
      enabled: row.enabled,
      endpoint_url: row.endpoint_url,
      health: {
        state: worst,
        requests: circuits.reduce((n, c) => n + c.requests, 0),
        errors: circuits.reduce((n, c) => n + c.errors, 0),
        latency_ms: latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null,
        models: circuits.map((c) => ({ model: c.model, state: c.state, consecutive_failures: c.consecutive_failures, last_error: c.last_error })),
      },
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
    };
  }

  async function requireEndpoint(tx: Queryable, ref: string): Promise<EndpointRow> {
    const row = await findEndpoint(tx, ref);
    if (!row) throw notFound(`no endpoint ${ref}`);
    return row;
  }

  const apply = (base: EndpointFields, body: z.infer<typeof updateEndpointRequest>): EndpointFields => {
    const out: EndpointFields = { ...base };
    for (const [k, v] of Object.entries(body)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
  };

  app.get('/endpoints', admin, async (): Promise<Page<EndpointView>> => ({ data: (await listEndpoints(db)).map(view), next_cursor: null }));

  app.get<{ Params: RefParams }>('/endpoints/:ref', admin, async (req): Promise<EndpointView> => view(await requireEndpoint(db, req.params.ref)));

  app.post('/endpoints', admin, async (req, reply): Promise<EndpointView> => {
    const body = parseBody(createEndpointRequest, req.body);
    const row = await mutate(services, req, async (m) => {
      const created = await insertEndpoint(m.tx, apply({ ...endpointDefaults, name: body.name, region: body.region }, body)).catch(uniqueViolation(`an endpoint named ${body.name} already exists`));
      await m.audit({ action: 'endpoint.create', targetType: 'endpoint', targetId: created.id, after: created });
      await announce(m);
      return created;
    });
    reply.code(201);
    return view(row);
  });

  app.patch<{ Params: RefParams }>('/endpoints/:ref', admin, async (req): Promise<EndpointView> => {
    const body = parseBody(updateEndpointRequest, req.body);
    return view(
      await mutate(services, req, async (m) => {
        const before = await requireEndpoint(m.tx, req.params.ref);
        const after = await updateEndpoint(m.tx, before.id, apply(before, body)).catch(uniqueViolation(`an endpoint named ${body.name} already exists`));
        await m.audit({ action: 'endpoint.update', targetType: 'endpoint', targetId: before.id, before, after });
        await announce(m);
        return after;
      }),
    );
  });

  app.delete<{ Params: RefParams }>('/endpoints/:ref', admin, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const row = await requireEndpoint(m.tx, req.params.ref);
      await deleteEndpoint(m.tx, row.id);
      await m.audit({ action: 'endpoint.delete', targetType: 'endpoint', targetId: row.id, before: row });
      await announce(m);
    });
    return reply.code(204).send();
  });

  // A real, minimal call (one output token) through the endpoint, as the gateway would make it.
  app.post<{ Params: RefParams }>('/endpoints/:ref/test', admin, async (req): Promise<EndpointTestResult> => {
    const body = parseBody(testEndpointRequest, req.body);
    const row = await requireEndpoint(db, req.params.ref);
    // Right after a change this replica may not have reloaded yet: it does so now.
    if (!inference.router.isCurrent(row.id, row.updated_at)) await inference.router.reload();
    const endpoint = inference.router.all().find((e) => e.id === row.id);
    if (!endpoint) throw notFound(`no endpoint ${req.params.ref}`);
    const requested = body.model ?? 'claude-haiku-4-5';
    const model = resolveModelAt(endpoint, requested, inference.models);
    const started = Date.now();
    try {
      await endpoint.client.send(
        new InvokeModelCommand({
          modelId: model.bedrockModelId,
          contentType: 'application/json',
          accept: 'application/json',
          body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] }),
        }),
      );
      return { ok: true, endpoint: row.name, model: requested, bedrock_model: model.bedrockModelId, latency_ms: Date.now() - started, error: null };
    } catch (err) {
      const info = upstreamErrorInfo(err);
      return { ok: false, endpoint: row.name, model: requested, bedrock_model: model.bedrockModelId, latency_ms: Date.now() - started, error: `${info.name}: ${info.message}` };
    }
  });

  // ---- team routing ----
  const routingOf = async (tx: Queryable, teamId: string, teamName: string): Promise<TeamRouting | null> => {
    const r = (await listTeamRouting(tx)).find((t) => t.team_id === teamId);
    if (!r) return null;
    const names = new Map((await listEndpoints(tx)).map((e) => [e.id, e.name]));
    return { team: teamName, strategy: r.strategy as TeamRouting['strategy'], endpoints: r.endpoint_ids.map((id) => names.get(id) ?? id) };
  };

  app.get<{ Params: RefParams }>('/teams/:ref/routing', { config: { access: adminApi('admin', 'team_admin') } }, async (req): Promise<TeamRouting | { team: string; strategy: null; endpoints: [] }> => {
    const team = await findTeam(db, req.params.ref);
    if (!team) throw notFound(`no team ${req.params.ref}`);
    assertManagesTeam(principalOf(req), team.id, team.name);
    return (await routingOf(db, team.id, team.name)) ?? { team: team.name, strategy: null, endpoints: [] };
  });

  app.put<{ Params: RefParams }>('/teams/:ref/routing', admin, async (req): Promise<TeamRouting> => {
    const body = parseBody(teamRoutingRequest, req.body);
    return mutate(services, req, async (m) => {
      const team = await findTeam(m.tx, req.params.ref);
      if (!team) throw notFound(`no team ${req.params.ref}`);
      const ids: string[] = [];
      for (const ref of body.endpoints) ids.push((await requireEndpoint(m.tx, ref)).id);
      const before = await routingOf(m.tx, team.id, team.name);
      await setTeamRouting(m.tx, team.id, body.strategy, [...new Set(ids)]);
      const after = (await routingOf(m.tx, team.id, team.name))!;
      await m.audit({ action: 'team.routing', targetType: 'team', targetId: team.id, before, after });
      await announce(m);
      return after;
    });
  });

  app.delete<{ Params: RefParams }>('/teams/:ref/routing', admin, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const team = await findTeam(m.tx, req.params.ref);
      if (!team) throw notFound(`no team ${req.params.ref}`);
      await clearTeamRouting(m.tx, team.id);
      await m.audit({ action: 'team.routing', targetType: 'team', targetId: team.id, after: null });
      await announce(m);
    });
    return reply.code(204).send();
  });
}
