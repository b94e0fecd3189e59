import type { FastifyInstance } from 'fastify';
import type { Emulator } from '../emulator/index.js';
import { CapabilityTable } from '../gateway/bedrock/capabilities.js';
import { TokenEstimator } from '../gateway/count-tokens/estimator.js';
import type { Inference } from '../gateway/inference.js';
import { profilePrefixesForRegion } from '../gateway/models/catalog.js';
import { ModelConfigStore } from '../gateway/models/mapping-store.js';
import { connectUpstream } from '../gateway/upstream.js';
import { defaultEndpointId, type Endpoint } from '../routing/endpoint.js';
import { endpointClient } from '../routing/endpoint-client.js';
import { ModelDiscovery } from '../routing/model-discovery.js';
import { Router } from '../routing/router.js';
import { NotificationDispatcher } from '../notify/dispatcher.js';
import { createProvider } from '../websearch/provider.js';
import { SearchProviderStore } from '../websearch/provider-store.js';
import { BudgetLedger } from '../limits/budget-ledger.js';
import { BudgetStore } from '../limits/budget-store.js';
import { MemoryRateLimiter } from '../limits/rate-limiter.js';
import { RedisRateLimiter } from '../limits/redis-rate-limiter.js';
import { PolicyStore } from '../policy/policy-store.js';
import { PriceStore } from '../spend/price-store.js';
import { RequestLog } from '../spend/request-log.js';
import type { Logger } from 'pino';
import { ensureBootstrapAdmin } from '../auth/bootstrap-admin.js';
import { CredentialCache } from '../auth/credential-cache.js';
import { KeyUsageRecorder } from '../auth/key-usage.js';
import { AccessTokenSigner } from '../auth/access-token.js';
import { DeviceSessions } from '../auth/device-sessions.js';
import { IdentityProviders } from '../auth/oidc/registry.js';
import { seedIdentityProvider } from '../auth/oidc/seed.js';
import { loadOrCreateSecretKeyFile, SecretBox } from '../auth/secret-key.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { OutageGrace } from '../db/outage-grace.js';
import { openDb } from '../db/open.js';
import { createLogger } from '../telemetry/logger.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { buildApp, type RouteEntry } from './app.js';
import { missingSecretKey, secretKeyRequired, type Config } from './config.js';
import type { Sso } from './services.js';
import { version } from './version.js';

export interface Gateway {
  app: FastifyInstance;
  db: Db;
  log: Logger;
  config: Config;
  credentials: CredentialCache;
  inference: Inference;
  /** Identity providers, signed-in devices, access tokens. */
  sso: Sso;
  /** Delivers notifications. */
  notifications: NotificationDispatcher;
  /** The built-in Bedrock emulator, when `--upstream emulator`. */
  emulator?: Emulator;
  /** Every route with its declared access. */
  routes: RouteEntry[];
  /** Starts listening; resolves to the URL it listens on. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), flushes, closes the database. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Use this database instead of opening the one the config names (embedding, tests). */
  db?: Db;
  log?: Logger;
  /** The database is migrated and bootstrapped already (cluster workers: the primary did it). */
  prepared?: boolean;
}

/** One-time start-up work on the database: migrations, the bootstrap admin, the seeded identity provider. */
export async function prepareDatabase(db: Db, config: Config, log: Logger): Promise<void> {
  const applied = await migrate(db);
  if (applied.length) log.info({ migrations: applied }, 'database migrated');
  await ensureBootstrapAdmin(db, { adminPassword: config.adminPassword, dataDir: config.dataDir, log });
  if (config.oidcSeed) await seedIdentityProvider(db, new SecretBox(config.secretKey!, config.secretKeyPrevious), config.oidcSeed, log);
}

/** Assembles a gateway from a Config: database, migrations, bootstrap admin, caches, routes. */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ?? createLogger(config.logLevel);
  if (!config.secretKey) {
    if (secretKeyRequired(config)) throw missingSecretKey;
    config = { ...config, secretKey: loadOrCreateSecretKeyFile(config.dataDir) };
  }
  const db = options.db ?? (await openDb(config, log));
  const ownsDb = !options.db;
  try {
    if (!options.prepared) await prepareDatabase(db, config, log);
  } catch (err) {
    if (ownsDb) await db.close();
    throw err;
  }
  const secrets = new SecretBox(config.secretKey!, config.secretKeyPrevious);
  const accessTokens = new AccessTokenSigner(config.secretKey!, config.secretKeyPrevious, () => config.publicUrl, config.accessTokenTtlMs);
  const outage = new OutageGrace(db, config.dbOutage.graceMs, config.dbOutage.budgetFailMode);
  const credentials = new CredentialCache(db, log, accessTokens, outage);
  const idps = new IdentityProviders(db, secrets, () => `${config.publicUrl}/auth/oidc/callback`);
  const deviceSessions = new DeviceSessions(db, accessTokens, secrets, credentials, idps, {
    accessTokenTtlMs: config.accessTokenTtlMs,
    refreshTokenTtlMs: config.refreshTokenTtlMs,
    maxAgeMs: config.deviceSessionMaxAgeMs,
  }, log);
  await credentials.start();
  const keyUsage = new KeyUsageRecorder(db, credentials.usedKeyIds, log);
  keyUsage.start();
  const models = new ModelConfigStore(db, log);
  await models.start();
  const prices = new PriceStore(db, log);
  await prices.start();
  const budgets = new BudgetStore(db, log);
  await budgets.start();
  const policies = new PolicyStore(db, log);
  await policies.start();
  const ledger = new BudgetLedger(db, budgets, log, outage);
  await ledger.start();
  const searchProviders = new SearchProviderStore(
    db,
    secrets,
    createProvider({ kind: config.search.kind, url: config.search.url, apiKey: config.search.apiKey, allowPrivateAddresses: config.search.allowPrivate }),
    log,
  );
  await searchProviders.start();
  const requestLog = new RequestLog(db, log, ledger);
  const rateLimiter = config.redisUrl ? new RedisRateLimiter(config.redisUrl, log) : new MemoryRateLimiter();
  requestLog.start();
  const upstream = await connectUpstream(config, log);
  const defaultEndpoint: Endpoint = {
    id: defaultEndpointId,
    name: defaultEndpointId,
    region: upstream.region,
    client: upstream.client,
    invoker: upstream.invoker,
    profilePrefixes: profilePrefixesForRegion(upstream.region),
    modelArns: new Map(),
    priority: 0,
    weight: 1,
    enabled: true,
  };
  const router = new Router(db, defaultEndpoint, (row) => endpointClient(row, config), config.circuit, log);
  await router.start();
  const metrics = new GatewayMetrics(models);
  metrics.watch({ requestLog, router, db, ledger, rateLimiter, outage });
  router.health.observer = metrics;
  const notifications = new NotificationDispatcher(db, secrets, { ...config.notify, stsEndpoint: config.stsEndpoint }, log);
  notifications.observer = metrics;
  notifications.endpointName = (id) => router.all().find((e) => e.id === id)?.name ?? id;
  notifications.health = router.health;
  router.health.listener = notifications;
  await notifications.start();
  // Model discovery: what each endpoint serves, for /v1/models; found in the background from the start.
  const discovery = new ModelDiscovery({ log });
  models.useDiscovered((model) => discovery.unknownModel(model));
  discovery.warm(router.all().filter((e) => e.enabled));
  const inference: Inference = {
    router,
    discovery,
    region: upstream.region,
    profilePrefixes: profilePrefixesForRegion(upstream.region),
    capabilities: new CapabilityTable(models),
    models,
    requestLog,
    prices,
    budgets,
    policies,
    ledger,
    rateLimiter,
    tokenEstimator: new TokenEstimator(),
    pingIntervalMs: config.pingIntervalMs,
    metrics,
    search: {
      providers: searchProviders,
      priceMicros: config.search.priceMicros,
    },
  };
  const routes: RouteEntry[] = [];
  const sso = { idps, deviceSessions, accessTokens, secrets };
  const app = await buildApp({ config, db, log, credentials, inference, version, sso, notifications, outage }, routes);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const deadline = setTimeout(() => {
        log.warn('shutdown deadline reached; closing remaining connections');
        app.server.closeAllConnections?.();
      }, config.shutdownTimeoutMs);
      deadline.unref();
      await app.close();
      clearTimeout(deadline);
      await keyUsage.stop();
      await requestLog.stop();
      await notifications.stop();
      await ledger.stop();
      await rateLimiter.close();
      await budgets.stop();
      await policies.stop();
      await searchProviders.stop();
      await credentials.stop();
      await models.stop();
      await router.stop();
      discovery.close();
      await prices.stop();
      await upstream.close();
      if (ownsDb) await db.close();
    })());

  return {
    app,
    db,
    log,
    config,
    credentials,
    inference,
    sso,
    notifications,
    emulator: upstream.emulator,
    routes,
    async listen() {
      const url = await app.listen({ host: config.host, port: config.port });
      if (!config.publicUrlExplicit && config.port === 0) config.publicUrl = config.publicUrl.replace(/:0$/, `:${new URL(url).port}`);
      log.info({ url, database: db.kind, version }, 'ccag gateway listening');
      return url;
    },
    close,
  };
}
