import { notFound } from '../api/errors.js';
import type { Principal } from '../auth/principal.js';
import type { Queryable } from '../db/db.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser } from '../db/repos/users.js';
import { isAdmin } from './permissions.js';

/** The requests a usage report covers: one team's, one user's, both (their intersection) or, with neither, all. */
export interface ReportScope {
  teamId: string | null;
  userId: string | null;
}

/**
 * Who may see which usage (spend, analytics): an admin everything, a team admin its team,
 * anyone else themselves. `team` and `user` filters (id, name or email) narrow that; filters
 * outside the caller's reach give null (an empty report), so they do not reveal what exists.
 * Only an admin is told that a team or user does not exist.
 */
export async function reportScope(db: Queryable, p: Principal, filter: { team?: string; user?: string }): Promise<ReportScope | null> {
  const user = filter.user ? await findUser(db, filter.user) : undefined;
  const team = filter.team ? await findTeam(db, filter.team) : undefined;
  if (isAdmin(p) && filter.user && !user) throw notFound(`no user ${filter.user}`);
  if (isAdmin(p) && filter.team && !team) throw notFound(`no team ${filter.team}`);
  if ((filter.user && !user) || (filter.team && !team)) return null;
  if (isAdmin(p)) return { teamId: team?.id ?? null, userId: user?.id ?? null };
  const leadsTeam = p.role === 'team_admin' && p.teamId !== null;
  if (team && !(leadsTeam && team.id === p.teamId)) return null;
  if (!leadsTeam && user && user.id !== p.userId) return null;
  if (leadsTeam) return { teamId: p.teamId, userId: user?.id ?? null };
  return p.userId ? { teamId: null, userId: p.userId } : null;
}
