import { createHash } from 'node:crypto';

export const strategies = ['primary-fallback', 'round-robin', 'sticky-user'] as const;
export type Strategy = (typeof strategies)[number];

export interface Routable {
  id: string;
  priority: number;
  weight: number;
}

/**
 * The order a request tries a team's endpoints in. Primary-fallback: by priority. Round-robin:
 * smooth weighted round robin (each endpoint's share follows its weight). Sticky-user:
 * rendezvous hashing of the user over the endpoints, so a user stays on one endpoint (and
 * keeps its prompt cache), and when one endpoint drops out only its users move.
 */
export class StrategyState {
  private readonly current = new Map<string, number>();

  /** `scope` keeps the round-robin rotation of one team apart from another's over the same endpoints. */
  order<T extends Routable>(strategy: Strategy, endpoints: readonly T[], userKey: string, scope: string): T[] {
    if (endpoints.length <= 1) return [...endpoints];
    if (strategy === 'sticky-user') return [...endpoints].sort((a, b) => rendezvous(userKey, b.id) - rendezvous(userKey, a.id));
    if (strategy === 'round-robin') return this.roundRobin(endpoints, scope);
    return [...endpoints].sort((a, b) => a.priority - b.priority);
  }

  private roundRobin<T extends Routable>(endpoints: readonly T[], scope: string): T[] {
    const total = endpoints.reduce((sum, e) => sum + e.weight, 0);
    const k = (e: T) => `${scope}\0${e.id}`;
    let best = endpoints[0]!;
    for (const e of endpoints) {
      const value = (this.current.get(k(e)) ?? 0) + e.weight;
      this.current.set(k(e), value);
      if (value > (this.current.get(k(best)) ?? 0)) best = e;
    }
    this.current.set(k(best), (this.current.get(k(best)) ?? 0) - total);
    // The chosen one first, then the rest by priority as fallbacks.
    return [best, ...[...endpoints].filter((e) => e !== best).sort((a, b) => a.priority - b.priority)];
  }
}

/** A stable score of a user on an endpoint (highest random weight). */
function rendezvous(userKey: string, endpointId: string): number {
  return createHash('sha256').update(userKey).update('\0').update(endpointId).digest().readUInt32BE(0);
}
