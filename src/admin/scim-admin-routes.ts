import type { FastifyInstance } from 'fastify';
import { conflict, notFound } from '../api/errors.js';
import type { ScimTokenResponse } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { findIdentityProvider } from '../db/repos/identity-providers.js';
import { generateScimToken, scimTokenOf, storeScimToken } from '../scim/token.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import type { RefParams } from './request.js';

/** SCIM provisioning per identity provider: enable (a token, shown once), rotate, disable. Admins only. */
export async function scimAdminRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const access = { config: { access: adminApi('admin') } };
  const scimUrl = () => `${services.config.publicUrl}/scim/v2`;

  for (const [path, rotate] of [
    ['/idps/:ref/scim', false],
    ['/idps/:ref/scim/rotate', true],
  ] as const) {
    app.post<{ Params: RefParams }>(path, access, async (req, reply): Promise<ScimTokenResponse> => {
      const issued = await mutate(services, req, async (m) => {
        const idp = await findIdentityProvider(m.tx, req.params.ref);
        if (!idp) throw notFound(`no identity provider ${req.params.ref}`);
        const existing = await scimTokenOf(m.tx, idp.id);
        if (!rotate && existing) throw conflict(`SCIM is already enabled for ${idp.name}; to get a new token, rotate it (ccag scim rotate-token --idp ${idp.name})`);
        if (rotate && !existing) throw notFound(`SCIM is not enabled for ${idp.name}; enable it first (ccag scim enable --idp ${idp.name})`);
        const token = generateScimToken();
        await storeScimToken(m.tx, idp.id, token);
        await m.audit({ action: rotate ? 'scim.rotate_token' : 'scim.enable', targetType: 'identity_provider', targetId: idp.id, after: { token_prefix: token.prefix } });
        return { idp: idp.name, scim_url: scimUrl(), token: token.token, token_prefix: token.prefix };
      });
      reply.code(rotate ? 200 : 201);
      return issued;
    });
  }

  // Disabling keeps the provisioned users and groups; the IdP can no longer change them.
  app.delete<{ Params: RefParams }>('/idps/:ref/scim', access, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const idp = await findIdentityProvider(m.tx, req.params.ref);
      if (!idp) throw notFound(`no identity provider ${req.params.ref}`);
      const { rowCount } = await m.tx.query('DELETE FROM scim_tokens WHERE idp_id = $1', [idp.id]);
      if (!rowCount) throw notFound(`SCIM is not enabled for ${idp.name}`);
      await m.audit({ action: 'scim.disable', targetType: 'identity_provider', targetId: idp.id });
    });
    return reply.code(204).send();
  });
}
