import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { notFound } from '../api/errors.js';
import { createIdpRequest, updateIdpRequest, type IdentityProvider, type IdpTestResult, type Page, type Role } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { OidcRelyingParty } from '../auth/oidc/relying-party.js';
import type { Queryable } from '../db/db.js';
import { revokeDeviceSessionsOf } from '../db/repos/device-sessions.js';
import {
  deleteIdentityProvider,
  findIdentityProvider,
  identityProviderDefaults,
  insertIdentityProvider,
  listIdentityProviders,
  updateIdentityProvider,
  type IdentityProviderFields,
  type IdentityProviderRow,
} from '../db/repos/identity-providers.js';
import { iso } from '../db/repos/page.js';
import { syncAccessFromGroups } from '../scim/group-access.js';
import { scimTokenOf } from '../scim/token.js';
import { toUser } from '../db/repos/users.js';
import { findTeam } from '../db/repos/teams.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { type RefParams, parseBody } from './request.js';
import { uniqueViolation } from './unique-violation.js';

/** OIDC identity providers (admins only). Client secrets go in sealed and never come out. */
export async function idpRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config, sso } = services;
  const access = { config: { access: adminApi('admin') } };
  const redirectUri = () => `${config.publicUrl}/auth/oidc/callback`;

  async function view(tx: Queryable, row: IdentityProviderRow): Promise<IdentityProvider> {
    const scim = await scimTokenOf(tx, row.id);
    const teamNames = new Map<string, string>();
    for (const id of [row.default_team_id, ...row.group_mappings.map((m) => m.team)]) {
      if (id && !teamNames.has(id)) teamNames.set(id, (await findTeam(tx, id))?.name ?? id);
    }
    return {
      id: row.id,
      name: row.name,
      issuer: row.issuer,
      client_id: row.client_id,
      has_client_secret: row.client_secret_sealed !== null,
      scopes: row.scopes,
      user_claim: row.user_claim,
      groups_claim: row.groups_claim,
      allowed_domains: row.allowed_domains,
      auto_provision: row.auto_provision,
      default_role: row.default_role as Role,
      default_team: row.default_team_id ? teamNames.get(row.default_team_id)! : null,
      group_mappings: row.group_mappings.map((m) => ({ group: m.group, team: m.team ? teamNames.get(m.team)! : null, role: (m.role as Role) ?? null })),
      enabled: row.enabled,
      seeded_from_env: row.seeded_from_env,
      redirect_uri: redirectUri(),
      scim: { enabled: Boolean(scim), url: `${config.publicUrl}/scim/v2`, token_prefix: scim?.prefix ?? null },
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
    };
  }

  async function requireIdp(tx: Queryable, ref: string): Promise<IdentityProviderRow> {
    const row = await findIdentityProvider(tx, ref);
    if (!row) throw notFound(`no identity provider ${ref}`);
    return row;
  }

  /** The row's fields with a request's changes applied: team names resolved, the secret sealed. */
  async function apply(tx: Queryable, base: IdentityProviderFields, body: z.infer<typeof updateIdpRequest>): Promise<IdentityProviderFields> {
    const teamId = async (ref: string) => {
      const team = await findTeam(tx, ref);
      if (!team) throw notFound(`no team ${ref}`);
      return team.id;
    };
    return {
      ...base,
      ...(body.name !== undefined && { name: body.name }),
      ...(body.issuer !== undefined && { issuer: body.issuer.replace(/\/+$/, '') }),
      ...(body.client_id !== undefined && { client_id: body.client_id }),
      ...(body.client_secret !== undefined && { client_secret_sealed: body.client_secret === null ? null : sso.secrets.encrypt(body.client_secret) }),
      ...(body.scopes !== undefined && { scopes: body.scopes }),
      ...(body.user_claim !== undefined && { user_claim: body.user_claim }),
      ...(body.groups_claim !== undefined && { groups_claim: body.groups_claim }),
      ...(body.allowed_domains !== undefined && { allowed_domains: body.allowed_domains }),
      ...(body.auto_provision !== undefined && { auto_provision: body.auto_provision }),
      ...(body.default_role !== undefined && { default_role: body.default_role }),
      ...(body.default_team !== undefined && { default_team_id: body.default_team === null ? null : await teamId(body.default_team) }),
      ...(body.group_mappings !== undefined && {
        group_mappings: await Promise.all(body.group_mappings.map(async (m) => ({ group: m.group, ...(m.team && { team: await teamId(m.team) }), ...(m.role && { role: m.role }) }))),
      }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
    };
  }

  app.get('/idps', access, async (): Promise<Page<IdentityProvider>> => {
    const rows = await listIdentityProviders(db);
    return { data: await Promise.all(rows.map((r) => view(db, r))), next_cursor: null };
  });

  app.get<{ Params: RefParams }>('/idps/:ref', access, async (req): Promise<IdentityProvider> => view(db, await requireIdp(db, req.params.ref)));

  app.post('/idps', access, async (req, reply): Promise<IdentityProvider> => {
    const body = parseBody(createIdpRequest, req.body);
    const created = await mutate(services, req, async (m) => {
      const fields = await apply(m.tx, { ...identityProviderDefaults, name: body.name, issuer: '', client_id: '', client_secret_sealed: null }, body);
      const row = await insertIdentityProvider(m.tx, fields).catch(uniqueViolation(`an identity provider named ${body.name} already exists`));
      const after = await view(m.tx, row);
      await m.audit({ action: 'idp.create', targetType: 'identity_provider', targetId: row.id, after });
      return after;
    });
    reply.code(201);
    return created;
  });

  app.patch<{ Params: RefParams }>('/idps/:ref', access, async (req): Promise<IdentityProvider> => {
    const body = parseBody(updateIdpRequest, req.body);
    return mutate(services, req, async (m) => {
      const before = await requireIdp(m.tx, req.params.ref);
      const row = await updateIdentityProvider(m.tx, before.id, await apply(m.tx, before, body)).catch(
        uniqueViolation(`an identity provider named ${body.name} already exists`),
      );
      const after = await view(m.tx, row);
      await m.audit({ action: 'idp.update', targetType: 'identity_provider', targetId: row.id, before: await view(m.tx, before), after });
      // New group mappings apply to the users SCIM provisioned now, not at their next group change.
      if (body.group_mappings !== undefined || body.default_role !== undefined || body.default_team !== undefined) {
        const { rows } = await m.tx.query<{ id: string }>('SELECT id FROM users WHERE idp_id = $1 AND scim_provisioned_at IS NOT NULL AND scim_deleted_at IS NULL', [row.id]);
        for (const { id } of rows) {
          const changed = await syncAccessFromGroups(m.tx, row, id);
          if (!changed) continue;
          await m.audit({ action: 'user.update', targetType: 'user', targetId: id, before: toUser(changed.before), after: toUser(changed.after) });
          await m.invalidate({ kind: 'user', id });
        }
      }
      return after;
    });
  });

  // Removing an IdP ends the device sign-ins made through it; its users keep their accounts.
  app.delete<{ Params: RefParams }>('/idps/:ref', access, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const row = await requireIdp(m.tx, req.params.ref);
      for (const id of await revokeDeviceSessionsOf(m.tx, { idpId: row.id }, `identity provider ${row.name} removed`)) await m.invalidate({ kind: 'session', id });
      await deleteIdentityProvider(m.tx, row.id);
      await m.audit({ action: 'idp.delete', targetType: 'identity_provider', targetId: row.id, before: await view(m.tx, row) });
    });
    return reply.code(204).send();
  });

  // Discovery from the gateway's side: what an admin checks after adding an IdP.
  app.post<{ Params: RefParams }>('/idps/:ref/test', access, async (req): Promise<IdpTestResult> => {
    const row = await requireIdp(db, req.params.ref);
    try {
      const m = await new OidcRelyingParty(row, undefined, redirectUri()).discover();
      return { ok: true, issuer: m.issuer, authorization_endpoint: m.authorization_endpoint, token_endpoint: m.token_endpoint, error: null };
    } catch (err) {
      return { ok: false, issuer: null, authorization_endpoint: null, token_endpoint: null, error: (err as Error).message };
    }
  });
}
