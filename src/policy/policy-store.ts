import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import { ReloadingStore } from '../server/reloading-store.js';
import { decidePolicy, noPolicy, type PolicyDecision, type PolicySubject } from './evaluate.js';
import { listPolicies } from '../db/repos/policies.js';
import { compilePolicy, type Policy } from './policy.js';

/** Policies in memory, in the order they are tried (topic `policies`). */
export class PolicyStore extends ReloadingStore {
  private ordered: Policy[] = [];
  // Principals are cached objects (one per credential), so a decision is made once per
  // principal and policy load.
  private decisions = new WeakMap<Principal, PolicyDecision>();

  constructor(db: Db, log?: Logger) {
    super(db, 'policies', log);
  }

  async reload(): Promise<void> {
    this.ordered = (await listPolicies(this.db)).map(compilePolicy);
    this.decisions = new WeakMap();
  }

  /** Every policy, first match first, the default last. */
  all(): readonly Policy[] {
    return this.ordered;
  }

  decide(subject: PolicySubject): PolicyDecision {
    return this.ordered.length ? decidePolicy(this.ordered, subject) : noPolicy;
  }

  /** The decision for a caller, remembered until the policies change. */
  decideFor(p: Principal): PolicyDecision {
    let decision = this.decisions.get(p);
    if (!decision) {
      decision = this.decide(p);
      this.decisions.set(p, decision);
    }
    return decision;
  }
}
