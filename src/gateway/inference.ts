import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { BudgetLedger } from '../limits/budget-ledger.js';
import type { BudgetStore } from '../limits/budget-store.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { PriceStore } from '../spend/price-store.js';
import type { RequestLog } from '../spend/request-log.js';
import type { CapabilityTable } from './bedrock/capabilities.js';
import type { ProfilePrefix } from './models/catalog.js';
import type { ModelConfigStore } from './models/mapping-store.js';
import type { TokenEstimator } from './count-tokens/estimator.js';

/** What the inference routes need: the Bedrock client and what shapes requests for it. */
export interface Inference {
  client: BedrockRuntimeClient;
  /** Identifies the upstream endpoint in learned capabilities and request records. */
  endpoint: string;
  region: string;
  /** Inference profile prefixes for the region, best first. */
  profilePrefixes: ProfilePrefix[];
  capabilities: CapabilityTable;
  models: ModelConfigStore;
  requestLog: RequestLog;
  prices: PriceStore;
  budgets: BudgetStore;
  /** Policies by team or group: allowed models, denied tools, output cap. */
  policies: PolicyStore;
  ledger: BudgetLedger;
  /** Requests and tokens a minute, requests at once: per replica, or cluster-wide through Redis. */
  rateLimiter: RateLimiter;
  /** Learns tokens per feature from Bedrock's counts, for models CountTokens does not serve. */
  tokenEstimator: TokenEstimator;
  pingIntervalMs: number;
}
