import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mutate, type Mutation } from '../admin/mutation.js';
import { anonymous, scimToken } from '../auth/access.js';
import type { Queryable } from '../db/db.js';
import type { IdentityProviderRow } from '../db/repos/identity-providers.js';
import { countAdmins, toUser } from '../db/repos/users.js';
import { emitUserDeactivated } from '../notify/emit.js';
import type { Services } from '../server/services.js';
import { listOf, resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { ScimError, scimErrorBody, scimNotFound } from './errors.js';
import { syncAccessFromGroups } from './group-access.js';
import {
  createScimGroup,
  deleteScimGroup,
  findScimGroup,
  groupFields,
  groupMembers,
  listScimGroups,
  setGroupMembers,
  toScimGroup,
  writeScimGroup,
  type ScimGroupRow,
} from './groups.js';
import { listResponse, parseListQuery, project } from './list.js';
import { applyPatch, parsePatchBody } from './patch.js';
import { authenticateScim } from './token.js';
import { createScimUser, deleteScimUser, findScimUser, listScimUsers, toScimUser, userFields, writeScimUser, type UserFields } from './users.js';

declare module 'fastify' {
  interface FastifyRequest {
    scimIdp?: IdentityProviderRow;
  }
}

type Json = Record<string, unknown>;
type IdParams = { Params: { id: string } };
const scimJson = 'application/scim+json; charset=utf-8';

/**
 * SCIM 2.0 at /scim/v2 (RFC 7643/7644), as Okta and Microsoft Entra ID call it: a bearer token
 * per identity provider, which reaches only that provider's users and groups. Every change is
 * audited as `scim:<idp>` and reaches every replica's credential cache at commit.
 */
export async function scimRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config } = services;
  const base = () => `${config.publicUrl}/scim/v2`;
  const token = { config: { access: scimToken } };
  const open = { config: { access: anonymous } };

  // IdPs send application/scim+json (or plain JSON), sometimes with an empty body on DELETE.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/scim+json', 'application/json'], { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'), undefined);
    }
  });

  // The token names the IdP; routes act only within it.
  app.addHook('preHandler', async (req) => {
    if ('scim' in (req.routeOptions.config.access ?? {})) req.scimIdp = await authenticateScim(db, req.headers.authorization);
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.getHeader('content-type')?.toString().startsWith('application/json')) reply.header('content-type', scimJson);
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    const error =
      err instanceof ScimError
        ? err
        : (err as { statusCode?: number }).statusCode === 413
          ? new ScimError(413, 'the body is too large')
          : (err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500
            ? new ScimError((err as { statusCode: number }).statusCode, (err as Error).message, 'invalidSyntax')
            : undefined;
    if (!error) req.log.error({ err }, 'SCIM request failed');
    const sent = error ?? new ScimError(500, 'the gateway could not complete this request');
    return reply.code(sent.status).header('content-type', scimJson).send(scimErrorBody(sent));
  });

  const change = <T>(req: FastifyRequest, fn: (m: Mutation, idp: IdentityProviderRow) => Promise<T>) =>
    mutate(services, req, (m) => fn(m, req.scimIdp!), `scim:${req.scimIdp!.name}`);

  /** Recomputes team and role from groups and drops the users' cached credentials on every replica. */
  async function groupsChanged(m: Mutation, idp: IdentityProviderRow, userIds: string[]): Promise<void> {
    for (const id of new Set(userIds)) {
      const changed = await syncAccessFromGroups(m.tx, idp, id);
      if (changed) await m.audit({ action: 'user.update', targetType: 'user', targetId: id, before: toUser(changed.before), after: toUser(changed.after) });
      await m.invalidate({ kind: 'user', id });
    }
  }

  /** The gateway keeps one active admin: the IdP cannot deactivate or delete the last one. */
  async function assertNotLastAdmin(m: Mutation, user: { role: string; username: string }): Promise<void> {
    if (user.role === 'admin' && (await countAdmins(m.tx)) <= 1) {
      throw new ScimError(400, `${user.username} is the last active admin of the gateway; make another admin first`, 'mutability');
    }
  }

  // ---- discovery (public, RFC 7644 §4) ----
  app.get('/scim/v2/ServiceProviderConfig', open, async () => serviceProviderConfig(base()));
  app.get('/scim/v2/ResourceTypes', open, async () => listOf(resourceTypes(base())));
  app.get<IdParams>('/scim/v2/ResourceTypes/:id', open, async (req) => {
    const found = resourceTypes(base()).find((r) => r.id.toLowerCase() === req.params.id.toLowerCase());
    if (!found) throw scimNotFound(`no resource type ${req.params.id}`);
    return found;
  });
  app.get('/scim/v2/Schemas', open, async () => listOf(schemas(base())));
  app.get<IdParams>('/scim/v2/Schemas/:id', open, async (req) => {
    const found = schemas(base()).find((s) => s.id === req.params.id);
    if (!found) throw scimNotFound(`no schema ${req.params.id}`);
    return found;
  });

  // ---- Users ----
  const requireUser = async (req: FastifyRequest, id: string) => {
    const row = await findScimUser(db, req.scimIdp!.id, id);
    if (!row) throw scimNotFound(`Resource ${id} not found`);
    return row;
  };

  app.get('/scim/v2/Users', token, async (req) => {
    const q = parseListQuery(req.query);
    const lookup = q.lookup && ['username', 'externalid'].includes(q.lookup.attribute) ? q.lookup : undefined;
    const rows = await listScimUsers(db, req.scimIdp!.id, lookup);
    return listResponse(rows.map((r) => toScimUser(r, base())), q);
  });

  app.get<IdParams>('/scim/v2/Users/:id', token, async (req) => project(toScimUser(await requireUser(req, req.params.id), base()), parseListQuery(req.query)));

  app.post('/scim/v2/Users', token, async (req, reply) => {
    const fields = userFields(req.body);
    const id = await change(req, async (m, idp) => {
      const id = await createScimUser(m.tx, idp, fields);
      await groupsChanged(m, idp, [id]);
      await m.audit({ action: 'user.provision', targetType: 'user', targetId: id, after: { userName: fields.username, email: fields.email, active: fields.active } });
      return id;
    });
    return reply.code(201).header('location', `${base()}/Users/${id}`).send(toScimUser(await requireUser(req, id), base()));
  });

  /** PUT and PATCH: the new resource replaces the user (deactivation included). */
  async function replaceUser(req: FastifyRequest, id: string, next: (current: Json) => UserFields) {
    await change(req, async (m, idp) => {
      const before = await findScimUser(m.tx, idp.id, id);
      if (!before) throw scimNotFound(`Resource ${id} not found`);
      const fields = next(toScimUser(before, base()));
      if (before.active && !fields.active) await assertNotLastAdmin(m, before);
      await writeScimUser(m.tx, id, fields, idp.id);
      if (before.active && !fields.active) {
        // Login sessions end; keys and device sign-ins are blocked while inactive, back on reactivation.
        await m.tx.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id]);
        await emitUserDeactivated(m.tx, id, { via: 'scim', actor: `scim:${idp.name}` });
      }
      const action = before.active === fields.active ? 'user.update' : fields.active ? 'user.activate' : 'user.deactivate';
      await m.audit({ action, targetType: 'user', targetId: id, before: { userName: before.username, active: before.active }, after: { userName: fields.username, active: fields.active } });
      await m.invalidate({ kind: 'user', id });
    });
    return toScimUser(await requireUser(req, id), base());
  }

  app.put<IdParams>('/scim/v2/Users/:id', token, async (req) => replaceUser(req, req.params.id, () => userFields(req.body)));

  app.patch<IdParams>('/scim/v2/Users/:id', token, async (req) => {
    const operations = parsePatchBody(req.body);
    return replaceUser(req, req.params.id, (current) => userFields(applyPatch(current, operations)));
  });

  app.delete<IdParams>('/scim/v2/Users/:id', token, async (req, reply) => {
    await change(req, async (m, idp) => {
      const before = await findScimUser(m.tx, idp.id, req.params.id);
      if (!before) throw scimNotFound(`Resource ${req.params.id} not found`);
      if (before.active) await assertNotLastAdmin(m, before);
      for (const device of await deleteScimUser(m.tx, before.id)) await m.invalidate({ kind: 'session', id: device });
      if (before.active) await emitUserDeactivated(m.tx, before.id, { via: 'scim', actor: `scim:${idp.name}`, deleted: true });
      await m.tx.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [before.id]);
      await m.audit({ action: 'user.delete', targetType: 'user', targetId: before.id, before: { userName: before.username, active: before.active } });
      await m.invalidate({ kind: 'user', id: before.id });
    });
    return reply.code(204).send();
  });

  // ---- Groups ----
  const withMembers = (q: { attributes?: string[]; excludedAttributes?: string[] }) =>
    !q.excludedAttributes?.some((a) => a.toLowerCase() === 'members') && (!q.attributes?.length || q.attributes.some((a) => a.toLowerCase().startsWith('members')));

  async function groupResources(rows: ScimGroupRow[], members: boolean, q: Queryable = db): Promise<Json[]> {
    const byGroup = members ? await groupMembers(q, rows.map((r) => r.id)) : undefined;
    return rows.map((r) => toScimGroup(r, byGroup?.get(r.id), base()));
  }

  const requireGroup = async (req: FastifyRequest, id: string) => {
    const row = await findScimGroup(db, req.scimIdp!.id, id);
    if (!row) throw scimNotFound(`Resource ${id} not found`);
    return row;
  };

  app.get('/scim/v2/Groups', token, async (req) => {
    const q = parseListQuery(req.query);
    const byName = q.lookup?.attribute === 'displayname' ? q.lookup.value : undefined;
    const rows = await listScimGroups(db, req.scimIdp!.id, byName);
    // Members are loaded only when shown or filtered on.
    const filterOnMembers = Boolean(req.query && /members/i.test(String((req.query as Json).filter ?? '')));
    return listResponse(await groupResources(rows, withMembers(q) || filterOnMembers), q);
  });

  app.get<IdParams>('/scim/v2/Groups/:id', token, async (req) => {
    const q = parseListQuery(req.query);
    const [resource] = await groupResources([await requireGroup(req, req.params.id)], withMembers(q));
    return project(resource!, q);
  });

  app.post('/scim/v2/Groups', token, async (req, reply) => {
    const fields = groupFields(req.body);
    const id = await change(req, async (m, idp) => {
      const id = await createScimGroup(m.tx, idp.id, fields);
      if (fields.memberIds?.length) await groupsChanged(m, idp, await setGroupMembers(m.tx, idp.id, id, fields.memberIds));
      await m.audit({ action: 'group.create', targetType: 'scim_group', targetId: id, after: { displayName: fields.displayName, members: fields.memberIds?.length ?? 0 } });
      return id;
    });
    const [resource] = await groupResources([await requireGroup(req, id)], true);
    return reply.code(201).header('location', `${base()}/Groups/${id}`).send(resource);
  });

  /** PUT and PATCH of a group: 204, as Entra prefers (Okta accepts it too). */
  async function replaceGroup(req: FastifyRequest, reply: FastifyReply, id: string, next: (current: Json) => ReturnType<typeof groupFields>) {
    await change(req, async (m, idp) => {
      const before = await findScimGroup(m.tx, idp.id, id);
      if (!before) throw scimNotFound(`Resource ${id} not found`);
      const [current] = await groupResources([before], true, m.tx);
      const fields = next(current!);
      await writeScimGroup(m.tx, idp.id, id, fields);
      const changed = fields.memberIds ? await setGroupMembers(m.tx, idp.id, id, fields.memberIds) : [];
      // A rename changes what policies and mappings see for every member.
      const renamed = before.display_name !== fields.displayName;
      const affected = renamed ? ((await groupMembers(m.tx, [id])).get(id) ?? []).map((u) => u.id) : [];
      await groupsChanged(m, idp, [...changed, ...affected]);
      await m.audit({ action: 'group.update', targetType: 'scim_group', targetId: id, before: { displayName: before.display_name }, after: { displayName: fields.displayName, membersChanged: changed.length } });
    });
    return reply.code(204).send();
  }

  app.put<IdParams>('/scim/v2/Groups/:id', token, async (req, reply) => replaceGroup(req, reply, req.params.id, () => groupFields(req.body)));

  app.patch<IdParams>('/scim/v2/Groups/:id', token, async (req, reply) => {
    const operations = parsePatchBody(req.body);
    return replaceGroup(req, reply, req.params.id, (current) => {
      const fields = groupFields(applyPatch(current, operations));
      return { ...fields, memberIds: fields.memberIds ?? [] };
    });
  });

  app.delete<IdParams>('/scim/v2/Groups/:id', token, async (req, reply) => {
    await change(req, async (m, idp) => {
      const before = await findScimGroup(m.tx, idp.id, req.params.id);
      if (!before) throw scimNotFound(`Resource ${req.params.id} not found`);
      await groupsChanged(m, idp, await deleteScimGroup(m.tx, before.id));
      await m.audit({ action: 'group.delete', targetType: 'scim_group', targetId: before.id, before: { displayName: before.display_name } });
    });
    return reply.code(204).send();
  });
}

/** A path under /scim/v2 with no route: 501 for the RFC 7644 endpoints ccag does not offer, 404 otherwise. */
export function sendScimNotFound(reply: FastifyReply, path: string): FastifyReply {
  const unsupported = /^\/scim\/v2\/(Bulk|Me|\.search)$|\/\.search$/i.test(path);
  const error = unsupported ? new ScimError(501, `${path} is not supported by ccag`) : scimNotFound(`no SCIM resource ${path}`);
  return reply.code(error.status).header('content-type', scimJson).send(scimErrorBody(error));
}
