import type { FastifyBaseLogger } from 'fastify';
import { GatewayError } from '../api/errors.js';
import type { Principal } from '../auth/principal.js';
import type { Admission } from '../limits/budget-ledger.js';
import type { LimitSubject } from '../limits/rate-limiter.js';
import type { Inference } from './inference.js';

/** What a request was admitted against: released exactly once when it ends. */
export interface Admitted {
  budget?: Admission;
  /** Rate-limit subjects counted (the caller's, and throttled budgets'). */
  limits: LimitSubject[];
  /** Response headers (what is left of the tightest budget). */
  headers: Record<string, string>;
}

/**
 * The limit stage: the caller's rate limits, then its budgets (reserving `estimate`
 * micro-dollars), then the rate limits of budgets past a throttle rule. All or nothing:
 * a refusal gives back what was already taken.
 */
export async function admitRequest(inference: Inference, p: Principal, requestId: string, estimate: number, log: FastifyBaseLogger): Promise<Admitted> {
  const admitted: Admitted = { limits: [], headers: {} };
  try {
    if (p.limits.length) {
      await inference.rateLimiter.admit(p.limits, requestId);
      admitted.limits.push(...p.limits);
    }
    admitted.budget = await inference.ledger.admit(p, estimate).catch((err: unknown) => {
      if (err instanceof GatewayError) throw err;
      log.error({ err }, 'budget check failed');
      throw new GatewayError('overloaded_error', 'budgets cannot be checked right now (the gateway database is unreachable); try again shortly');
    });
    if (admitted.budget?.throttles.length) {
      await inference.rateLimiter.admit(admitted.budget.throttles, requestId);
      admitted.limits.push(...admitted.budget.throttles);
    }
    admitted.headers = admitted.budget?.headers ?? {};
    return admitted;
  } catch (err) {
    inference.metrics.rejected(err);
    releaseRequest(inference, admitted, requestId, { cost: 0, tokens: 0 });
    throw err;
  }
}

/** The request ended: its real cost settles its budgets, its tokens count against its limits. */
export function releaseRequest(inference: Inference, admitted: Admitted | undefined, requestId: string, used: { cost: number; tokens: number }): void {
  if (!admitted) return;
  if (admitted.limits.length) inference.rateLimiter.finish(admitted.limits, requestId, used.tokens);
  inference.ledger.release(admitted.budget, used.cost);
}
