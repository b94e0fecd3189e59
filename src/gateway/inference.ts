import type { BudgetLedger } from '../limits/budget-ledger.js';
import type { BudgetStore } from '../limits/budget-store.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { ModelDiscovery } from '../routing/model-discovery.js';
import type { Router } from '../routing/router.js';
import type { SearchProviderStore } from '../websearch/provider-store.js';
import type { PriceStore } from '../spend/price-store.js';
import type { RequestLog } from '../spend/request-log.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { CapabilityTable } from './bedrock/capabilities.js';
import type { ProfilePrefix } from './models/catalog.js';
import type { ModelConfigStore } from './models/mapping-store.js';
import type { TokenEstimator } from './count-tokens/estimator.js';

/** What the inference routes need: the Bedrock endpoints and what shapes requests for them. */
export interface Inference {
  /** The endpoints (accounts, regions) and how each request is routed over them. */
  router: Router;
  /** What each endpoint can serve (ListInferenceProfiles, cached), for /v1/models. */
  discovery: ModelDiscovery;
  /** The default endpoint's region and profile prefixes (model views of the admin API). */
  region: string;
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
  /** Prometheus metrics (GET /metrics). */
  metrics: GatewayMetrics;
  /**
   * Web search requests are answered by the gateway: the providers it searches with (by user,
   * team or gateway assignment, else the CCAG_SEARCH_* one), and the price of one search.
   */
  search: { providers: SearchProviderStore; priceMicros: number };
}
