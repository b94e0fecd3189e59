import { forbidden, notFound } from '../api/errors.js';
import type { Role } from '../api/schemas.js';
import type { Principal } from '../auth/principal.js';
import type { KeyRow } from '../db/repos/keys.js';
import type { UserRow } from '../db/repos/users.js';

/**
 * Who may touch what, beyond the route's role check: a team_admin acts only within its own
 * team; members and viewers only on their own keys.
 */

export function isAdmin(p: Principal): boolean {
  return p.role === 'admin';
}

export function isTeamAdminOf(p: Principal, teamId: string | null): boolean {
  return p.role === 'team_admin' && teamId !== null && p.teamId === teamId;
}

export function assertManagesTeam(p: Principal, teamId: string | null, teamName: string): void {
  if (!isAdmin(p) && !isTeamAdminOf(p, teamId)) throw forbidden(`you cannot manage team ${teamName}: it is not your team`);
}

/** Users outside the caller's view are reported as not found, so their existence does not leak. */
export function assertSeesUser(p: Principal, user: UserRow | undefined, ref: string): UserRow {
  if (user && (isAdmin(p) || isTeamAdminOf(p, user.team_id) || user.id === p.userId)) return user;
  throw notFound(`no user ${ref}`);
}

export function keyVisibleTo(p: Principal, key: KeyRow): boolean {
  return isAdmin(p) || isTeamAdminOf(p, key.team_id) || (key.user_id !== null && key.user_id === p.userId);
}

export function assertSeesKey(p: Principal, key: KeyRow | undefined, ref: string): KeyRow {
  if (key && keyVisibleTo(p, key)) return key;
  throw notFound(`no key ${ref}`);
}

const teamAdminAssignable: Role[] = ['member', 'viewer'];

/** A team_admin manages members and viewers of its own team, and cannot promote or move them. */
export function assertTeamAdminMayChange(p: Principal, target: UserRow | undefined, role: Role | undefined, teamId: string | null | undefined): void {
  if (isAdmin(p)) return;
  if (target && target.id !== p.userId && !teamAdminAssignable.includes(target.role)) {
    throw forbidden(`only an admin can change a user with the role ${target.role}`);
  }
  if (role && !teamAdminAssignable.includes(role)) throw forbidden(`only an admin can give the role ${role}`);
  if (teamId !== undefined && teamId !== p.teamId) throw forbidden('a team admin can only place users in its own team');
}

