/**
 * Which Claude models each endpoint can serve, asked of Bedrock's control plane
 * (ListInferenceProfiles, `@aws-sdk/client-bedrock`) and cached per endpoint. `/v1/models`
 * waits for it (briefly); `/v1/messages` never does: it only reads what is cached.
 */
import { BedrockClient, ListInferenceProfilesCommand, type InferenceProfileSummary } from '@aws-sdk/client-bedrock';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from 'pino';
import { catalogModel, modelCatalog, type ProfilePrefix } from '../gateway/models/catalog.js';
import { profilePattern } from '../gateway/models/resolve.js';
import type { Endpoint } from './endpoint.js';

/** A Claude model an endpoint serves that the catalog does not know. */
export interface DiscoveredModel {
  /** Anthropic-style id derived from the Bedrock id: `anthropic.claude-x-9-v1:0` → `claude-x-9`. */
  id: string;
  displayName: string;
  createdAt: string;
  /** Bedrock foundation model id (`anthropic.claude-x-9-v1:0`). */
  bedrockId: string;
  /** Prefixes of its system-defined profiles, in the endpoint's order of preference. */
  profiles: ProfilePrefix[];
}

/** What an endpoint (or several together) can serve. */
export interface ServedModels {
  /** Catalog ids (ModelInfo.id). */
  known: Set<string>;
  unknown: DiscoveredModel[];
}

export interface ModelDiscoveryOptions {
  /** How long a discovered list is used before it is asked again (default 1 h). */
  ttlMs?: number;
  /** How long after a failed discovery it is not tried again (default 5 min). */
  failureTtlMs?: number;
  log?: Logger;
}

interface Entry {
  endpoint: Endpoint;
  client?: BedrockClient;
  models?: ServedModels;
  freshUntil: number;
  retryAt: number;
  error?: Error;
  pending?: Promise<ServedModels>;
}

const hour = 3_600_000;
const maxPages = 50;

/**
 * Per endpoint: ListInferenceProfiles (system-defined and application profiles, every page),
 * at most one call in flight, kept for `ttlMs`; a failure is remembered for `failureTtlMs`.
 * Past its TTL a list is still answered while a fresh one is fetched, and kept when that
 * fails. An endpoint whose configuration changed (a new Endpoint object) is discovered anew.
 */
export class ModelDiscovery {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private closed = false;

  constructor(private readonly options: ModelDiscoveryOptions = {}) {
    this.ttlMs = options.ttlMs ?? hour;
    this.failureTtlMs = options.failureTtlMs ?? 5 * 60_000;
  }

  /** What the endpoint serves: cached, or discovered now; rejects when discovery failed. */
  modelsOf(endpoint: Endpoint): Promise<ServedModels> {
    const entry = this.entryFor(endpoint);
    const now = Date.now();
    if (entry.models && now < entry.freshUntil) return Promise.resolve(entry.models);
    if (!entry.pending && now >= entry.retryAt) this.discover(entry);
    if (entry.models) return Promise.resolve(entry.models);
    return entry.pending ?? Promise.reject(entry.error ?? new Error('model discovery failed'));
  }

  /** Discovers in the background what the endpoints serve (gateway start). */
  warm(endpoints: readonly Endpoint[]): void {
    for (const e of endpoints) this.modelsOf(e).catch(() => undefined);
  }

  /**
   * What the endpoints serve together, waiting at most `timeoutMs` for each. An endpoint whose
   * discovery fails or is late counts as serving the whole catalog (an unreachable control
   * plane never hides a model); undefined when none answered: the caller uses the catalog.
   */
  async servedBy(endpoints: readonly Endpoint[], timeoutMs: number): Promise<ServedModels | undefined> {
    const unique = [...new Map(endpoints.map((e) => [e.id, e])).values()];
    const results = await Promise.allSettled(unique.map((e) => withTimeout(this.modelsOf(e), timeoutMs)));
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (answered.length === 0) return undefined;
    const known = new Set(answered.flatMap((m) => [...m.known]));
    if (answered.length < results.length) for (const m of modelCatalog) known.add(m.id);
    const unknown = new Map<string, DiscoveredModel>();
    for (const m of answered.flatMap((a) => a.unknown)) if (!unknown.has(m.id)) unknown.set(m.id, m);
    return { known, unknown: [...unknown.values()] };
  }

  /** A model the catalog lacks that some endpoint was found to serve (cached lists only; never waits). */
  unknownModel(id: string): DiscoveredModel | undefined {
    for (const entry of this.entries.values()) {
      const found = entry.models?.unknown.find((m) => m.id === id);
      if (found) return found;
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) entry.client?.destroy();
    this.entries.clear();
  }

  private entryFor(endpoint: Endpoint): Entry {
    const existing = this.entries.get(endpoint.id);
    if (existing?.endpoint === endpoint) return existing;
    existing?.client?.destroy();
    const entry: Entry = { endpoint, freshUntil: 0, retryAt: 0 };
    if (!this.closed) this.entries.set(endpoint.id, entry);
    return entry;
  }

  private discover(entry: Entry): void {
    const started = Date.now();
    const pending = this.list(entry).then(
      (models) => {
        entry.models = models;
        entry.freshUntil = Date.now() + this.ttlMs;
        entry.error = undefined;
        this.options.log?.info(
          { endpoint: entry.endpoint.name, models: models.known.size, unknown: models.unknown.map((m) => m.id), ms: Date.now() - started },
          'discovered the models of an endpoint',
        );
        return models;
      },
      (err: Error) => {
        entry.error = err;
        entry.retryAt = Date.now() + this.failureTtlMs;
        this.options.log?.warn({ endpoint: entry.endpoint.name, err: err.message }, 'model discovery failed; listing the catalog for this endpoint');
        throw err;
      },
    );
    entry.pending = pending.finally(() => {
      entry.pending = undefined;
    });
    entry.pending.catch(() => undefined);
  }

  private async list(entry: Entry): Promise<ServedModels> {
    if (this.closed) throw new Error('model discovery is closed');
    const client = (entry.client ??= controlPlaneClient(entry.endpoint));
    const summaries: InferenceProfileSummary[] = [];
    for (const type of ['SYSTEM_DEFINED', 'APPLICATION'] as const) {
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListInferenceProfilesCommand({ typeEquals: type, maxResults: 1000, nextToken }));
        summaries.push(...(page.inferenceProfileSummaries ?? []));
        nextToken = page.nextToken;
      } while (nextToken && ++pages < maxPages);
    }
    return servedModels(summaries, entry.endpoint);
  }
}

/**
 * The control-plane client of an endpoint, built from its runtime client: same region,
 * credentials provider (an assumed role is shared, not assumed twice), auth scheme, and
 * endpoint URL override when one is set (the emulator serves both planes on one port).
 */
export function controlPlaneClient(endpoint: Pick<Endpoint, 'region' | 'client'>): BedrockClient {
  const runtime = endpoint.client.config;
  return new BedrockClient({
    region: endpoint.region,
    credentials: runtime.credentials,
    ...(runtime.isCustomEndpoint && runtime.endpoint ? { endpoint: runtime.endpoint } : {}),
    authSchemePreference: runtime.authSchemePreference,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 15_000 }),
  });
}

/**
 * The Claude models an endpoint serves, from its inference profiles: a system-defined profile
 * with one of the endpoint's prefixes, or an application profile ARN configured for the model
 * on the endpoint. Claude models the catalog lacks are kept under their derived ids.
 */
export function servedModels(
  profiles: readonly InferenceProfileSummary[],
  endpoint: { profilePrefixes: readonly ProfilePrefix[]; modelArns: ReadonlyMap<string, string> },
): ServedModels {
  const known = new Set<string>();
  const unknown = new Map<string, DiscoveredModel>();
  for (const id of endpoint.modelArns.keys()) {
    const info = catalogModel(id);
    if (info) known.add(info.id);
  }
  for (const p of profiles) {
    if (p.status && p.status !== 'ACTIVE') continue;
    const match = profilePattern.exec(p.inferenceProfileId ?? '');
    if (match) {
      const prefix = match[1] as ProfilePrefix;
      const bedrockId = match[2]!;
      if (!endpoint.profilePrefixes.includes(prefix)) continue;
      const info = catalogModel(bedrockId);
      if (info) known.add(info.id);
      else addUnknown(unknown, bedrockId, prefix, p);
    }
    // A model Bedrock serves on demand by its base id has no profile prefix to look for.
    for (const m of p.models ?? []) {
      const info = catalogModel(foundationModelId(m.modelArn) ?? '');
      if (info && info.profiles.length === 0) known.add(info.id);
    }
  }
  for (const m of unknown.values()) m.profiles.sort((a, b) => endpoint.profilePrefixes.indexOf(a) - endpoint.profilePrefixes.indexOf(b));
  return { known, unknown: [...unknown.values()] };
}

function addUnknown(unknown: Map<string, DiscoveredModel>, bedrockId: string, prefix: ProfilePrefix, p: InferenceProfileSummary): void {
  const id = anthropicIdOf(bedrockId);
  // Another version of a catalog model (…-v2:0) keeps the catalog's: its derived id is taken.
  if (!id || catalogModel(id)) return;
  const createdAt = p.createdAt?.toISOString() ?? new Date(0).toISOString();
  const seen = unknown.get(id);
  if (seen) {
    if (!seen.profiles.includes(prefix)) seen.profiles.push(prefix);
    if (createdAt < seen.createdAt) seen.createdAt = createdAt;
    return;
  }
  unknown.set(id, { id, displayName: displayNameOf(p.inferenceProfileName) ?? id, createdAt, bedrockId, profiles: [prefix] });
}

/** `anthropic.claude-x-9-20260101-v1:0` → `claude-x-9-20260101`; undefined for a model that is not Claude. */
export function anthropicIdOf(bedrockId: string): string | undefined {
  const match = /^anthropic\.(claude-[a-z0-9.-]+?)(?:-v\d+(?::\d+)?)?$/.exec(bedrockId);
  return match?.[1];
}

/** `US Anthropic Claude X 9` → `Claude X 9`. */
function displayNameOf(profileName: string | undefined): string | undefined {
  const match = /(?:^|\s)Anthropic\s+(Claude\b.*)$/.exec(profileName ?? '');
  return match?.[1]?.trim();
}

function foundationModelId(arn: string | undefined): string | undefined {
  return /:foundation-model\/(.+)$/.exec(arn ?? '')?.[1];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`model discovery took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
