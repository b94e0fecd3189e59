/**
 * Prometheus metrics (docs/metrics.md). One registry per gateway, so several gateways in one
 * process (tests) keep their own counts; process metrics (prom-client's standard names) come
 * from one registry per process. Labels are low-cardinality by construction: models outside
 * the catalog and the admin's mappings are "other", teams are ids, endpoints are the names
 * admins gave them, and nothing names a user or a key.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { GatewayError } from '../api/errors.js';
import type { Db } from '../db/db.js';
import type { OutageGrace } from '../db/outage-grace.js';
import { isConnectionError, upstreamErrorInfo } from '../gateway/bedrock/errors.js';
import { catalogModel } from '../gateway/models/catalog.js';
import type { ModelConfigStore } from '../gateway/models/mapping-store.js';
import { profilePattern } from '../gateway/models/resolve.js';
import type { DeliveryObserver } from '../notify/dispatcher.js';
import type { BudgetLedger } from '../limits/budget-ledger.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { UpstreamObserver } from '../routing/health.js';
import type { Router } from '../routing/router.js';
import type { RequestLog, RequestRecord } from '../spend/request-log.js';

/** What scrape-time metrics read: the spend buffer, endpoint circuits, the database pool, fallbacks during outages. */
export interface MetricSources {
  requestLog: RequestLog;
  router: Router;
  db: Db;
  ledger?: BudgetLedger;
  rateLimiter?: RateLimiter;
  outage?: OutageGrace;
}

const secondsBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const firstTokenBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const circuitValue = { closed: 0, 'half-open': 1, open: 2 } as const;
/** Distinct upstream error names kept as label values; later ones are "other". */
const maxErrorLabels = 50;

let processRegistry: Registry | undefined;

/** Node and process metrics, collected once per process however many gateways it runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class GatewayMetrics implements UpstreamObserver, DeliveryObserver {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly requests: Counter<'route' | 'model' | 'status_class' | 'endpoint'>;
  private readonly requestErrors: Counter<'route' | 'model' | 'error_type'>;
  private readonly duration: Histogram<'route' | 'model'>;
  private readonly firstToken: Histogram<'model'>;
  private readonly inFlight: Gauge;
  private readonly tokens: Counter<'model' | 'team' | 'kind'>;
  private readonly spend: Counter<'model' | 'team'>;
  private readonly rateLimitRejections: Counter<'limit' | 'scope'>;
  private readonly budgetRejections: Counter<'scope'>;
  private readonly upstreamDuration: Histogram<'endpoint' | 'outcome'>;
  private readonly upstreamErrors: Counter<'endpoint' | 'error_type'>;
  private readonly notificationDeliveries: Counter<'destination_type' | 'outcome'>;
  private readonly errorLabels = new Set<string>();
  /** In a cluster worker: every worker's metrics, summed by the primary (src/server/cluster.ts). */
  clusterExposition?: () => Promise<string>;

  constructor(private readonly models: ModelConfigStore) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    this.requests = counter('ccag_requests_total', 'Inference requests answered, by route, model, HTTP status class and the endpoint that served them', [
      'route',
      'model',
      'status_class',
      'endpoint',
    ]);
    this.requestErrors = counter('ccag_request_errors_total', 'Inference requests that ended in an error (also mid-stream), by Anthropic error type', ['route', 'model', 'error_type']);
    this.duration = histogram('ccag_request_duration_seconds', 'Time from receiving an inference request to its last byte', ['route', 'model'], secondsBuckets);
    this.firstToken = histogram(
      'ccag_time_to_first_token_seconds',
      'Time from receiving a request to the first content sent back (streams), or to the whole answer (non-streaming)',
      ['model'],
      firstTokenBuckets,
    );
    this.inFlight = new Gauge({ name: 'ccag_in_flight_requests', help: 'Inference requests being served now', registers });
    this.tokens = counter('ccag_tokens_total', 'Tokens used, by model, paying team (id; "none" for none) and kind (input, output, cache_read, cache_write)', ['model', 'team', 'kind']);
    this.spend = counter('ccag_spend_usd_total', 'Spend in USD, by model and paying team (id)', ['model', 'team']);
    this.rateLimitRejections = counter(
      'ccag_rate_limit_rejections_total',
      'Requests refused by a rate limit, by limit (rpm, tpm, concurrency) and whose limit (key, user, team, budget)',
      ['limit', 'scope'],
    );
    this.budgetRejections = counter('ccag_budget_rejections_total', 'Requests refused because a budget is used up, by budget scope (key, user, team)', ['scope']);
    this.upstreamDuration = histogram(
      'ccag_upstream_duration_seconds',
      'Time Bedrock took to answer one call (to the first event for streams), by endpoint and outcome (ok, error)',
      ['endpoint', 'outcome'],
      firstTokenBuckets,
    );
    this.upstreamErrors = counter('ccag_upstream_errors_total', 'Failed Bedrock calls, by endpoint and error (Bedrock exception name or connection error code)', ['endpoint', 'error_type']);
    this.notificationDeliveries = counter(
      'ccag_notification_deliveries_total',
      'Notification delivery attempts, by destination type (webhook, sns, eventbridge) and outcome (delivered, retrying, failed)',
      ['destination_type', 'outcome'],
    );
  }

  /** Adds the metrics read at scrape time: spend buffer, endpoint circuits, database pool. */
  watch({ requestLog, router, db, ledger, rateLimiter, outage }: MetricSources): void {
    const registers = [this.registry];
    new Gauge({
      name: 'ccag_spend_buffer_depth',
      help: 'Request records waiting to be written to the database',
      registers,
      collect() {
        this.set(requestLog.pending);
      },
    });
    // Counts kept by the request log, exposed as counters.
    const counted = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counted('ccag_spend_records_dropped_total', 'Request records dropped because the buffer was full (database down too long)', () => requestLog.dropped);
    counted('ccag_spend_records_quarantined_total', 'Request records the database refused, set aside in quarantined_requests', () => requestLog.quarantined);
    if (ledger) counted('ccag_budget_unchecked_admissions_total', 'Requests let through without a budget decision while the database was unreachable (CCAG_BUDGET_FAIL_MODE=open)', () => ledger.uncheckedAdmissions);
    if (rateLimiter) counted('ccag_rate_limit_local_fallbacks_total', 'Requests rate-limited by this replica alone because Redis was unreachable', () => rateLimiter.localFallbacks ?? 0);
    if (outage) {
      new Gauge({
        name: 'ccag_db_unreachable_seconds',
        help: 'Seconds the database has been unreachable (0 while it answers); past CCAG_DB_OUTAGE_GRACE_SECONDS the gateway is not ready',
        registers,
        collect() {
          this.set((outage.outageMs() ?? 0) / 1000);
        },
      });
    }
    new Gauge({
      name: 'ccag_endpoint_circuit_state',
      help: 'Circuit breaker of an endpoint for a model: 0 closed (healthy), 1 half-open (probing), 2 open (out of rotation)',
      labelNames: ['endpoint', 'model'],
      registers,
      // Workers keep their own circuits: across a cluster, the worst state counts.
      aggregator: 'max',
      collect() {
        this.reset();
        const names = new Map(router.all().map((e) => [e.id, e.name]));
        for (const c of router.health.snapshot()) this.set({ endpoint: names.get(c.endpoint) ?? c.endpoint, model: c.model }, circuitValue[c.state]);
      },
    });
    const poolStats = db.poolStats?.bind(db);
    if (poolStats) {
      new Gauge({
        name: 'ccag_db_pool_connections',
        help: 'Postgres pool: connections open (total), idle, queries waiting for one, and the pool size (max)',
        labelNames: ['state'],
        registers,
        collect() {
          const s = poolStats();
          this.set({ state: 'total' }, s.total);
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'waiting' }, s.waiting);
          this.set({ state: 'max' }, s.max);
        },
      });
    }
  }

  /** An inference request started (it ends with `requestFinished`). */
  requestStarted(): void {
    this.inFlight.inc();
  }

  /** An inference request ended: its record carries everything (status, timings, tokens, cost). */
  requestFinished(r: RequestRecord): void {
    this.inFlight.dec();
    const model = r.model === null ? 'none' : this.modelLabel(r.model);
    const route = r.route;
    this.requests.inc({ route, model, status_class: statusClass(r.status), endpoint: r.endpoint ?? 'none' });
    if (r.errorType) this.requestErrors.inc({ route, model, error_type: r.errorType });
    if (r.latencyMs !== null) this.duration.observe({ route, model }, r.latencyMs / 1000);
    if (r.ttftMs !== null && r.status < 400) this.firstToken.observe({ model }, r.ttftMs / 1000);
    const team = r.teamId ?? 'none';
    if (r.inputTokens) this.tokens.inc({ model, team, kind: 'input' }, r.inputTokens);
    if (r.outputTokens) this.tokens.inc({ model, team, kind: 'output' }, r.outputTokens);
    if (r.cacheReadTokens) this.tokens.inc({ model, team, kind: 'cache_read' }, r.cacheReadTokens);
    const cacheWrite = r.cacheWrite5mTokens + r.cacheWrite1hTokens;
    if (cacheWrite) this.tokens.inc({ model, team, kind: 'cache_write' }, cacheWrite);
    if (r.costMicros) this.spend.inc({ model, team }, r.costMicros / 1_000_000);
  }

  /** A request refused at admission: counted when a rate limit or a budget refused it. */
  rejected(err: unknown): void {
    const refusal = err instanceof GatewayError ? err.refusal : undefined;
    if (refusal?.kind === 'rate_limit') this.rateLimitRejections.inc({ limit: refusal.limit, scope: refusal.scope });
    else if (refusal?.kind === 'budget') this.budgetRejections.inc({ scope: refusal.scope });
  }

  /** One Bedrock call over an endpoint (UpstreamObserver). */
  attempt(endpoint: string, latencyMs: number, error?: unknown): void {
    this.upstreamDuration.observe({ endpoint, outcome: error === undefined ? 'ok' : 'error' }, latencyMs / 1000);
    if (error !== undefined) this.upstreamErrors.inc({ endpoint, error_type: this.errorLabel(error) });
  }

  /** One notification delivery attempt (DeliveryObserver). */
  notificationDelivery(destinationType: string, outcome: string): void {
    this.notificationDeliveries.inc({ destination_type: destinationType, outcome });
  }

  /** The text exposition: the gateway's metrics, then the process's (or the whole cluster's). */
  async exposition(): Promise<string> {
    if (this.clusterExposition) return this.clusterExposition();
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }

  /** This process's metrics as data, for the cluster primary to sum. */
  async snapshot(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return [...(await this.registry.getMetricsAsJSON()), ...(await processMetrics().getMetricsAsJSON())];
  }

  /**
   * A model as a label value: its canonical catalog id, or the name an admin mapped; `[1m]`
   * dropped; anything else (typos, unknown ids) "other", so clients cannot grow the series.
   */
  modelLabel(requested: string): string {
    const name = requested.endsWith(']') ? requested.replace(/\[1m\]$/i, '') : requested;
    const known = catalogModel(name);
    if (known) return known.id;
    const mapped = this.models.mapping(name);
    if (mapped) return mapped.model;
    const profile = profilePattern.exec(name);
    const viaProfile = profile ? catalogModel(profile[2]!) : undefined;
    if (viaProfile) return viaProfile.id;
    return this.models.discoveredModel(name) ? name : 'other';
  }

  private errorLabel(err: unknown): string {
    let label: string;
    if (isConnectionError(err)) label = (err as { code: string }).code;
    else if (err instanceof GatewayError) label = err.type;
    else label = upstreamErrorInfo(err).name;
    if (this.errorLabels.has(label)) return label;
    if (!/^\w{1,80}$/.test(label) || this.errorLabels.size >= maxErrorLabels) return 'other';
    this.errorLabels.add(label);
    return label;
  }
}

function statusClass(status: number): string {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  if (status >= 200) return '2xx';
  return 'none';
}
