import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me, Role } from '../api/schemas.js';

export const MeContext = createContext<Me | null>(null);

/** Who is signed in (GET /admin/v1/me): every page below the sign-in has one. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside a signed-in page');
  return me;
}

export const everyone: Role[] = ['admin', 'team_admin', 'member', 'viewer'];
export const staff: Role[] = ['admin', 'team_admin'];
export const adminOnly: Role[] = ['admin'];
