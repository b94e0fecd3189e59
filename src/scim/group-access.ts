import type { Role } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import type { IdentityProviderRow } from '../db/repos/identity-providers.js';
import { countAdmins, findUser, updateUser, type UserRow } from '../db/repos/users.js';
import { mappedAccess } from '../auth/sso-user.js';

/**
 * The team and role a SCIM user's groups give them, through the IdP's group mappings. Where
 * the IdP maps groups to teams, the groups decide the team (no match: the IdP's default team);
 * where it maps groups to roles, they decide the role (no match: the default role). The last
 * active admin is never demoted. Returns the user before and after when something changed.
 */
export async function syncAccessFromGroups(tx: Queryable, idp: IdentityProviderRow, userId: string): Promise<{ before: UserRow; after: UserRow } | undefined> {
  const user = await findUser(tx, userId);
  if (!user) return undefined;
  const { rows } = await tx.query<{ display_name: string }>(
    'SELECT g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = $1',
    [userId],
  );
  const mapped = mappedAccess(idp, rows.map((r) => r.display_name));
  const teamId = idp.group_mappings.some((m) => m.team) ? (mapped.teamId ?? idp.default_team_id) : user.team_id;
  let role = idp.group_mappings.some((m) => m.role) ? (mapped.role ?? (idp.default_role as Role)) : user.role;
  if (user.role === 'admin' && role !== 'admin' && user.active && (await countAdmins(tx)) <= 1) role = 'admin';
  if (teamId === user.team_id && role === user.role) return undefined;
  return { before: user, after: await updateUser(tx, userId, { teamId, role }) };
}

