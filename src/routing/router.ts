import type { Logger } from 'pino';
import { GatewayError } from '../api/errors.js';
import type { Db } from '../db/db.js';
import { closeBedrockConnection, type BedrockConnection } from '../gateway/bedrock/client.js';
import { listEndpoints, listTeamRouting, type EndpointRow } from '../db/repos/endpoints.js';
import { profilePrefixesForRegion, type ProfilePrefix } from '../gateway/models/catalog.js';
import { ReloadingStore } from '../server/reloading-store.js';
import type { Endpoint } from './endpoint.js';
import { EndpointHealth, type HealthPolicy } from './health.js';
import { StrategyState, type Strategy } from './strategies.js';

/** Whom a request is routed for. */
export interface RouteSubject {
  teamId: string | null;
  userId: string | null;
  keyId?: string;
}

// A replaced client may still carry requests in flight: it is closed this long after.
const closeReplacedAfterMs = 10 * 60_000;

/**
 * The endpoints in memory (topic `endpoints`), kept across reloads while unchanged, so a
 * configuration change on any replica neither resets health nor drops connection pools. A
 * team routes over its endpoints with its strategy; a team without routing over every enabled
 * endpoint by priority; a gateway without endpoints over its default one.
 */
export class Router extends ReloadingStore {
  readonly health: EndpointHealth;
  private readonly strategy = new StrategyState();
  private built = new Map<string, { updatedAt: number; endpoint: Endpoint }>();
  private teams = new Map<string, { strategy: Strategy; ids: string[] }>();

  constructor(
    db: Db,
    readonly defaultEndpoint: Endpoint,
    private readonly clientFor: (row: EndpointRow) => BedrockConnection,
    healthPolicy: HealthPolicy,
    log?: Logger,
  ) {
    super(db, 'endpoints', log);
    this.health = new EndpointHealth(healthPolicy);
  }

  async reload(): Promise<void> {
    const [rows, routing] = await Promise.all([listEndpoints(this.db), listTeamRouting(this.db)]);
    const next = new Map<string, { updatedAt: number; endpoint: Endpoint }>();
    for (const row of rows) {
      const updatedAt = new Date(row.updated_at).getTime();
      const kept = this.built.get(row.id);
      next.set(row.id, kept && kept.updatedAt === updatedAt ? kept : { updatedAt, endpoint: this.build(row) });
    }
    for (const [id, old] of this.built) {
      if (next.get(id)?.endpoint !== old.endpoint) setTimeout(() => void closeBedrockConnection(old.endpoint), closeReplacedAfterMs).unref();
    }
    this.built = next;
    this.teams = new Map(routing.map((r) => [r.team_id, { strategy: r.strategy as Strategy, ids: r.endpoint_ids }]));
  }

  /** Every configured endpoint (enabled or not), by priority; the default one when none is. */
  all(): Endpoint[] {
    const configured = [...this.built.values()].map((b) => b.endpoint).sort((a, b) => a.priority - b.priority);
    return configured.length ? configured : [this.defaultEndpoint];
  }

  /** The endpoints to try for a request, in order (health decides later which are skipped). */
  route(s: RouteSubject): Endpoint[] {
    const { strategy, endpoints } = this.candidates(s);
    return this.strategy.order(strategy, endpoints, s.userId ?? s.keyId ?? s.teamId ?? '', s.teamId ?? '');
  }

  /**
   * The endpoints a subject's requests may go to and the strategy that orders them, without
   * ordering them: round-robin state is left alone (what `/v1/models` asks).
   */
  candidates(s: RouteSubject): { strategy: Strategy; endpoints: Endpoint[] } {
    const team = s.teamId ? this.teams.get(s.teamId) : undefined;
    if (team) {
      const chosen = team.ids.map((id) => this.built.get(id)?.endpoint).filter((e): e is Endpoint => Boolean(e?.enabled));
      // A team pinned to endpoints (say, EU only) never leaks to others when they are all disabled.
      if (!chosen.length) throw new GatewayError('overloaded_error', 'none of the endpoints your team is routed to is enabled; ask an admin (ccag teams routing)');
      return { strategy: team.strategy, endpoints: chosen };
    }
    const enabled = [...this.built.values()].map((b) => b.endpoint).filter((e) => e.enabled);
    return { strategy: 'primary-fallback', endpoints: enabled.length ? enabled : [this.defaultEndpoint] };
  }

  /** Whether this replica runs the endpoint as last changed (row updated_at). */
  isCurrent(id: string, updatedAt: Date): boolean {
    return this.built.get(id)?.updatedAt === new Date(updatedAt).getTime();
  }

  teamRouting(teamId: string): { strategy: Strategy; ids: string[] } | undefined {
    return this.teams.get(teamId);
  }

  private build(row: EndpointRow): Endpoint {
    return {
      id: row.id,
      name: row.name,
      region: row.region,
      ...this.clientFor(row),
      profilePrefixes: row.profile_prefix ? [row.profile_prefix as ProfilePrefix] : profilePrefixesForRegion(row.region),
      modelArns: new Map(Object.entries(row.model_arns ?? {})),
      priority: row.priority,
      weight: row.weight,
      enabled: row.enabled,
    };
  }

  override async stop(): Promise<void> {
    await super.stop();
    await Promise.all([...this.built.values()].map((b) => closeBedrockConnection(b.endpoint)));
  }
}
