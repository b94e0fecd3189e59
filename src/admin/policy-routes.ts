import type { FastifyInstance } from 'fastify';
import { conflict, invalidRequest, notFound } from '../api/errors.js';
import { createPolicyRequest, explainPolicyQuery, updatePolicyRequest, type PolicyExplanation, type PolicyView } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Queryable } from '../db/db.js';
import { findKey } from '../db/repos/keys.js';
import { deletePolicy, findPolicy, insertPolicy, listPolicies, lockPolicies, toPolicyView, updatePolicy, type PolicyFields, type PolicyRow } from '../db/repos/policies.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser, userGroupsSql } from '../db/repos/users.js';
import { explainPolicy } from '../policy/explain.js';
import { modelNames } from '../policy/model-names.js';
import { announceConfigChange } from '../server/reloading-store.js';
import type { Services } from '../server/services.js';
import { mutate, type Mutation } from './mutation.js';
import { assertSeesKey, assertSeesUser } from './permissions.js';
import { type RefParams, parseBody, parseQuery, principalOf } from './request.js';
import { uniqueViolation } from './unique-violation.js';

async function requirePolicy(db: Queryable, ref: string): Promise<PolicyRow> {
  const policy = await findPolicy(db, ref);
  if (!policy) throw notFound(`no policy ${ref}`);
  return policy;
}

async function teamIdOf(db: Queryable, ref: string | null | undefined): Promise<string | null | undefined> {
  if (ref === null || ref === undefined) return ref;
  const team = await findTeam(db, ref);
  if (!team) throw notFound(`no team ${ref}`);
  return team.id;
}

/** The default policy matches everyone; any other names a team, a group, or both. */
function checkMatch(f: PolicyFields): void {
  if (f.isDefault && (f.teamId !== null || f.group !== null)) throw invalidRequest('the default policy matches everyone: it takes no team or group');
  if (!f.isDefault && f.teamId === null && f.group === null) throw invalidRequest('a policy needs a team, a group, or both (or is the default policy)');
}

const sameName = (name: string) => uniqueViolation(`a policy named ${name} already exists`);

/**
 * Policies by team or IdP group (first match wins, then the default): admins manage them,
 * team admins read them, and anyone may ask which policy decides for themselves.
 */
export async function policyRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;
  const store = services.inference.policies;
  const announce = (m: Mutation) => announceConfigChange(m.tx, 'policies');

  app.get('/policies', { config: { access: adminApi('admin', 'team_admin') } }, async (): Promise<{ data: PolicyView[]; next_cursor: null }> => {
    return { data: (await listPolicies(db)).map(toPolicyView), next_cursor: null };
  });

  app.get('/policies/explain', { config: { access: adminApi() } }, async (req): Promise<PolicyExplanation> => {
    const q = parseQuery(explainPolicyQuery, req.query);
    const subject = await subjectOf(db, principalOf(req), q);
    const explained = explainPolicy(store.all(), {
      subject: { teamId: subject.team_id, groups: subject.groups, teamName: subject.team },
      model: q.model ? { name: q.model, names: modelNames(q.model, services.inference.models) } : undefined,
      tool: q.tool,
    });
    return { subject, ...explained };
  });

  app.get<{ Params: RefParams }>('/policies/:ref', { config: { access: adminApi('admin', 'team_admin') } }, async (req): Promise<PolicyView> => {
    return toPolicyView(await requirePolicy(db, req.params.ref));
  });

  app.post('/policies', { config: { access: adminApi('admin') } }, async (req, reply): Promise<PolicyView> => {
    const body = parseBody(createPolicyRequest, req.body);
    const isDefault = body.default === true;
    if (isDefault && body.position !== undefined) throw invalidRequest('the default policy is always last: it takes no position');
    const name = body.name ?? (isDefault ? 'default' : undefined);
    if (!name) throw invalidRequest('name: Field required');
    const row = await mutate(services, req, async (m) => {
      const count = await lockPolicies(m.tx);
      const fields: PolicyFields = {
        name,
        isDefault,
        position: isDefault ? null : Math.min(body.position ?? count + 1, count + 1),
        teamId: (await teamIdOf(m.tx, body.team)) ?? null,
        group: body.group?.toLowerCase() ?? null,
        allowedModels: body.allowed_models ?? null,
        deniedTools: body.denied_tools ?? [],
        maxOutputTokens: body.max_output_tokens ?? null,
      };
      checkMatch(fields);
      if (isDefault) {
        const existing = (await listPolicies(m.tx)).find((p) => p.is_default);
        if (existing) throw conflict(`there is already a default policy (${existing.name}): change it with ccag policies update ${existing.name}`);
      }
      const created = await requirePolicy(m.tx, await insertPolicy(m.tx, fields).catch(sameName(name)));
      await m.audit({ action: 'policy.create', targetType: 'policy', targetId: created.id, after: toPolicyView(created) });
      await announce(m);
      return created;
    });
    await store.reload();
    reply.code(201);
    return toPolicyView(row);
  });

  app.patch<{ Params: RefParams }>('/policies/:ref', { config: { access: adminApi('admin') } }, async (req): Promise<PolicyView> => {
    const body = parseBody(updatePolicyRequest, req.body);
    const row = await mutate(services, req, async (m) => {
      const count = await lockPolicies(m.tx);
      const before = await requirePolicy(m.tx, req.params.ref);
      if (before.is_default && body.position !== undefined) throw invalidRequest('the default policy is always last: it takes no position');
      const teamId = await teamIdOf(m.tx, body.team);
      const fields: PolicyFields = {
        name: body.name ?? before.name,
        isDefault: before.is_default,
        position: body.position === undefined || before.position === null ? before.position : Math.min(body.position, count),
        teamId: teamId === undefined ? before.team_id : teamId,
        group: body.group === undefined ? before.group_name : (body.group?.toLowerCase() ?? null),
        allowedModels: body.allowed_models === undefined ? before.allowed_models : body.allowed_models,
        deniedTools: body.denied_tools ?? before.denied_tools,
        maxOutputTokens: body.max_output_tokens === undefined ? before.max_output_tokens : body.max_output_tokens,
      };
      checkMatch(fields);
      await updatePolicy(m.tx, before.id, before.position, fields).catch(sameName(fields.name));
      const after = await requirePolicy(m.tx, before.id);
      await m.audit({ action: 'policy.update', targetType: 'policy', targetId: before.id, before: toPolicyView(before), after: toPolicyView(after) });
      await announce(m);
      return after;
    });
    await store.reload();
    return toPolicyView(row);
  });

  app.delete<{ Params: RefParams }>('/policies/:ref', { config: { access: adminApi('admin') } }, async (req, reply) => {
    await mutate(services, req, async (m) => {
      await lockPolicies(m.tx);
      const before = await requirePolicy(m.tx, req.params.ref);
      await deletePolicy(m.tx, before);
      await m.audit({ action: 'policy.delete', targetType: 'policy', targetId: before.id, before: toPolicyView(before) });
      await announce(m);
    });
    await store.reload();
    return reply.code(204).send();
  });
}

/**
 * Whom `explain` is about: a user or a key the caller may see (team admins: their team's;
 * members: their own), or the caller.
 */
async function subjectOf(db: Queryable, p: Principal, q: { user?: string; key?: string }): Promise<PolicyExplanation['subject']> {
  if (q.user && q.key) throw invalidRequest('give a user or a key, not both');
  let subject: { key: string | null; userId: string | null; teamId: string | null };
  if (q.key) {
    const row = assertSeesKey(p, await findKey(db, q.key), q.key);
    subject = { key: row.prefix, userId: row.user_id, teamId: row.team_id };
  } else if (q.user) {
    const row = assertSeesUser(p, await findUser(db, q.user), q.user);
    subject = { key: null, userId: row.id, teamId: row.team_id };
  } else {
    subject = { key: p.keyPrefix ?? null, userId: p.userId, teamId: p.teamId };
  }
  const user = subject.userId ? await findUser(db, subject.userId) : undefined;
  // A user's key without a team of its own is paid by the user's team.
  const teamId = subject.teamId ?? user?.team_id ?? null;
  const team = teamId ? await findTeam(db, teamId) : undefined;
  return {
    user_id: subject.userId,
    user: user ? (user.email ?? user.username) : null,
    key: subject.key,
    team_id: teamId,
    team: team?.name ?? null,
    groups: user ? await groupsOf(db, user.id) : [],
  };
}

async function groupsOf(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ groups: string[] }>(`SELECT ${userGroupsSql('u')} AS groups FROM users u WHERE u.id = $1`, [userId]);
  return rows[0]?.groups ?? [];
}
