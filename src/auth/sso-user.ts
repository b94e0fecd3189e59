import type { Role } from '../api/schemas.js';
import { roles } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import { insertAudit } from '../db/repos/audit.js';
import type { IdentityProviderRow } from '../db/repos/identity-providers.js';
import { countAdmins, findUser, insertUser, toUser, updateUser, type UserRow } from '../db/repos/users.js';

/** The IdP vouched for someone ccag will not let in (domain, provisioning, deactivated). */
export class SsoRefusal extends Error {
  override name = 'SsoRefusal';
}

export type Claims = Record<string, unknown>;

/** The team and role a user's IdP groups give them: for each, the first mapping that sets it. */
export function mappedAccess(idp: IdentityProviderRow, groups: string[]): { role?: Role; teamId?: string } {
  const member = new Set(groups.map((g) => g.toLowerCase()));
  const matches = idp.group_mappings.filter((m) => member.has(m.group.toLowerCase()));
  const role = matches.find((m) => m.role)?.role;
  return { role: roles.includes(role as Role) ? (role as Role) : undefined, teamId: matches.find((m) => m.team)?.team };
}

export function groupsFrom(claims: Claims, claim: string): string[] {
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return typeof value === 'string' ? [value] : [];
}

/**
 * The ccag user an IdP sign-in is: found by the IdP's subject, else linked by email or user
 * name, else created when the IdP auto-provisions. Group mappings set team and role at every
 * sign-in. Runs inside the sign-in's transaction; changes are audited as `sso:<idp>`.
 */
export async function resolveSsoUser(tx: Queryable, idp: IdentityProviderRow, claims: Claims): Promise<UserRow> {
  const subject = claims.sub;
  const identifier = claims[idp.user_claim];
  if (typeof subject !== 'string' || !subject) throw new SsoRefusal(`${idp.name} sent no subject (sub) claim`);
  if (typeof identifier !== 'string' || !identifier) throw new SsoRefusal(`${idp.name} sent no ${idp.user_claim} claim; set the identity provider's user claim`);
  const email = typeof claims.email === 'string' ? claims.email : identifier.includes('@') ? identifier : null;
  if (idp.allowed_domains.length) {
    const domain = (email ?? identifier).split('@')[1]?.toLowerCase();
    if (!domain || !idp.allowed_domains.some((d) => d.toLowerCase() === domain)) {
      throw new SsoRefusal(`${email ?? identifier} is not in a domain allowed to sign in through ${idp.name}`);
    }
  }
  const groups = groupsFrom(claims, idp.groups_claim);
  const mapped = mappedAccess(idp, groups);
  const audit = (action: string, user: UserRow, before?: UserRow) =>
    insertAudit(tx, {
      actorUserId: null,
      actorKeyId: null,
      actor: `sso:${idp.name}`,
      action,
      targetType: 'user',
      targetId: user.id,
      before: before ? toUser(before) : undefined,
      after: toUser(user),
      requestId: null,
      ip: null,
    });

  // With SCIM on, the IdP provisions: only the users it created (and did not delete) sign in.
  const scim = await tx.query('SELECT 1 FROM scim_tokens WHERE idp_id = $1', [idp.id]);
  if (scim.rows.length) return provisionedUser(tx, idp, claims, subject, identifier);
  const linked = await tx.query<{ id: string }>('SELECT id FROM users WHERE idp_id = $1 AND idp_subject = $2', [idp.id, subject]);
  // An account not yet linked is found by a verified email only (a user name from the IdP
  // could otherwise claim a local account such as the bootstrap `admin`).
  const linkable = email && claims.email_verified !== false && claims.email_verified !== 'false' ? email : undefined;
  let user = linked.rows[0] ? await findUser(tx, linked.rows[0].id) : linkable ? await findUser(tx, linkable) : undefined;
  if (user && !linked.rows[0] && user.email?.toLowerCase() !== linkable?.toLowerCase()) user = undefined;
  if (user && !linked.rows[0]) {
    const link = await tx.query<{ idp_id: string | null }>('SELECT idp_id FROM users WHERE id = $1', [user.id]);
    if (link.rows[0]?.idp_id && link.rows[0].idp_id !== idp.id) throw new SsoRefusal(`${identifier} signs in through another identity provider`);
  }
  if (!user) {
    if (!idp.auto_provision) throw new SsoRefusal(`${identifier} has no ccag account; ask an admin to create it (or enable auto-provisioning for ${idp.name})`);
    if ((await findUser(tx, identifier)) || (email && (await findUser(tx, email)))) {
      throw new SsoRefusal(`a ccag account named ${identifier} already exists and is not linked to ${idp.name}; an admin can link it by setting its email to the one the IdP sends (verified)`);
    }
    const name = typeof claims.name === 'string' ? claims.name : null;
    user = await insertUser(tx, { username: identifier, email, name, role: mapped.role ?? (idp.default_role as Role), teamId: mapped.teamId ?? idp.default_team_id });
    await audit('user.provision', user);
  } else {
    if (!user.active) throw new SsoRefusal(`${identifier} is deactivated in ccag`);
    // Groups never demote the last active admin: the gateway must keep one.
    const demotesLastAdmin = user.role === 'admin' && mapped.role && mapped.role !== 'admin' && (await countAdmins(tx)) <= 1;
    const patch = { ...(mapped.role && mapped.role !== user.role && !demotesLastAdmin ? { role: mapped.role } : {}), ...(mapped.teamId && mapped.teamId !== user.team_id ? { teamId: mapped.teamId } : {}) };
    if (Object.keys(patch).length) {
      const before = user;
      user = await updateUser(tx, user.id, patch);
      await audit('user.update', user, before);
    }
  }
  await tx.query('UPDATE users SET idp_id = $2, idp_subject = $3, idp_groups = $4, last_login_at = now() WHERE id = $1', [user.id, idp.id, subject, groups]);
  return user;
}

/** The SCIM-provisioned user an IdP sign-in is: by subject, else by user name or email among the IdP's users. */
async function provisionedUser(tx: Queryable, idp: IdentityProviderRow, claims: Claims, subject: string, identifier: string): Promise<UserRow> {
  const email = typeof claims.email === 'string' ? claims.email : identifier;
  const { rows } = await tx.query<{ id: string; active: boolean }>(
    `SELECT id, active FROM users WHERE idp_id = $1 AND scim_provisioned_at IS NOT NULL AND scim_deleted_at IS NULL
       AND (idp_subject = $2 OR lower(username) = lower($3) OR lower(email) = lower($4))
     ORDER BY (idp_subject = $2) DESC NULLS LAST LIMIT 1`,
    [idp.id, subject, identifier, email],
  );
  const found = rows[0];
  if (!found) throw new SsoRefusal(`${identifier} is not provisioned in ccag by ${idp.name} (SCIM): ask your admin to assign you the app`);
  if (!found.active) throw new SsoRefusal(`${identifier} is deactivated in ccag`);
  await tx.query('UPDATE users SET idp_subject = $2, idp_groups = $3, last_login_at = now() WHERE id = $1', [found.id, subject, groupsFrom(claims, idp.groups_claim)]);
  return (await findUser(tx, found.id))!;
}
