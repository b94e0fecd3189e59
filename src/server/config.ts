/**
 * Gateway configuration: flags and environment variables parsed and validated with zod.
 * `settings` is the one table of what can be set; `ccag serve` builds its flags from it and
 * docs/configuration.md describes it.
 */
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import { durationHint, parseDuration } from '../api/duration.js';

export interface Setting {
  key: keyof RawConfig;
  flag?: string;
  env?: string;
  description: string;
  /** Flags without a value (`--embedded-db`). */
  boolean?: boolean;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int('must be a whole number').min(0).max(65535, 'must be at most 65535');
const positiveInt = z.coerce.number().int('must be a whole number').positive('must be above 0');
const flag = z.union([z.boolean(), z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off', ''])]).transform(
  (v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on',
);
// `auto` (or 0): one worker per CPU core.
const workerCount = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const text = String(value).trim().toLowerCase();
  if (text === 'auto' || text === '0') return availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    ctx.addIssue({ code: 'custom', message: 'must be a whole number of processes, or auto (0) for one per CPU core' });
    return z.NEVER;
  }
  return n;
});
const url = z.url('must be a URL such as https://gw.example.com');
const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0) {
    ctx.addIssue({ code: 'custom', message: `must be ${durationHint}` });
    return z.NEVER;
  }
  return ms;
});

const rawSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8080),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  dataDir: z.string().min(1).optional(),
  embeddedDb: flag.default(false),
  publicUrl: url.optional(),
  trustedProxies: z.string().optional(),
  maxBodyBytes: positiveInt.default(20 * 1024 * 1024),
  workers: workerCount.default(1),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1').optional(),
  bedrockEndpoint: url.optional(),
  stsEndpoint: url.optional(),
  searchProvider: z.enum(['duckduckgo', 'brave', 'tavily', 'serper', 'searxng', 'custom']).default('duckduckgo'),
  searchUrl: url.optional(),
  searchApiKey: z.string().min(1).optional(),
  searchAllowPrivate: flag.default(false),
  searchPriceUsd: z.coerce.number().min(0).max(100).default(0.01),
  circuitFailures: positiveInt.max(1000).default(3),
  circuitCooldownSeconds: z.coerce.number().positive('must be above 0').max(3600).default(30),
  notifyMaxAttempts: positiveInt.max(50).default(8),
  notifyRetryBaseSeconds: z.coerce.number().positive('must be above 0').max(3600).default(5),
  upstream: z.enum(['bedrock', 'emulator']).default('bedrock'),
  bedrockHttp: z.enum(['1.1', '2']).default('1.1'),
  bedrockClient: z.enum(['direct', 'sdk']).default('direct'),
  bedrockConnectTimeoutMs: positiveInt.default(10_000),
  bedrockFirstByteTimeoutMs: positiveInt.default(120_000),
  bedrockIdleTimeoutMs: positiveInt.default(60_000),
  adminPassword: z.string().min(12, 'must be at least 12 characters').optional(),
  secretKey: z.string().min(32, 'must be at least 32 characters (try: openssl rand -base64 32)').optional(),
  secretKeyPrevious: z.string().min(32, 'must be at least 32 characters').optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  logLevel: z.enum(logLevels).default('info'),
  metricsToken: z.string().min(16, 'must be at least 16 characters (try: openssl rand -hex 24)').optional(),
  sessionMaxAgeHours: positiveInt.default(24 * 7),
  accessTokenTtl: duration.default(15 * 60_000),
  refreshTokenTtl: duration.default(30 * 86_400_000),
  deviceSessionMaxAge: duration.default(90 * 86_400_000),
  devicePollIntervalSeconds: positiveInt.max(60, 'must be at most 60').default(5),
  oidcIssuer: url.optional(),
  oidcClientId: z.string().min(1).optional(),
  oidcClientSecret: z.string().min(1).optional(),
  oidcName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be letters, digits, ".", "_" or "-"').default('sso'),
  shutdownTimeoutSeconds: positiveInt.default(30),
  pingIntervalSeconds: z.coerce.number().positive('must be above 0').max(300).default(15),
  dbOutageGraceSeconds: z.coerce.number().int('must be a whole number').min(0).max(86_400, 'must be at most 86400 (a day)').default(300),
  budgetFailMode: z.enum(['open', 'closed']).default('closed'),
});
type RawConfig = z.input<typeof rawSchema>;

export const settings: Setting[] = [
  { key: 'host', flag: '--host', env: 'CCAG_HOST', description: 'listen address (default 127.0.0.1)' },
  { key: 'port', flag: '--port', env: 'CCAG_PORT', description: 'listen port (default 8080; 0 picks a free one)' },
  { key: 'databaseUrl', flag: '--database-url', env: 'DATABASE_URL', description: 'Postgres connection string; PGHOST/PGUSER/PGPASSWORD/PGDATABASE/PGPORT work too; unset: embedded database' },
  { key: 'dataDir', flag: '--data-dir', env: 'CCAG_DATA_DIR', description: 'embedded database and local state (default $XDG_DATA_HOME/ccag or ~/.local/share/ccag)' },
  { key: 'embeddedDb', flag: '--embedded-db', env: 'CCAG_EMBEDDED_DB', boolean: true, description: 'allow the embedded database on a non-loopback listen address' },
  { key: 'publicUrl', flag: '--public-url', env: 'CCAG_PUBLIC_URL', description: 'URL users reach the gateway at (required on a non-loopback address)' },
  { key: 'trustedProxies', flag: '--trusted-proxies', env: 'CCAG_TRUSTED_PROXIES', description: 'comma-separated CIDRs whose X-Forwarded-For/-Proto are believed' },
  { key: 'maxBodyBytes', flag: '--max-body', env: 'CCAG_MAX_BODY_BYTES', description: 'largest request body in bytes (default 20971520, Bedrock\'s limit)' },
  { key: 'workers', flag: '--workers', env: 'CCAG_WORKERS', description: 'gateway processes sharing the port: a number, or auto (0) for one per CPU core (more than 1 needs Postgres; default 1)' },
  { key: 'region', flag: '--region', env: 'AWS_REGION', description: 'default Bedrock region' },
  { key: 'bedrockEndpoint', flag: '--bedrock-endpoint', env: 'CCAG_BEDROCK_ENDPOINT', description: 'Bedrock runtime endpoint override (VPC endpoints, emulator)' },
  { key: 'stsEndpoint', env: 'CCAG_STS_ENDPOINT', description: 'STS endpoint for endpoints and notification destinations that assume a role (VPC endpoints, tests); AWS_ENDPOINT_URL_STS works too' },
  { key: 'searchProvider', env: 'CCAG_SEARCH_PROVIDER', description: 'web search provider: duckduckgo (no key, default), brave, tavily, serper, searxng or custom' },
  { key: 'searchUrl', env: 'CCAG_SEARCH_URL', description: 'the provider\'s URL (required for searxng and custom; overrides the others\' API URL)' },
  { key: 'searchApiKey', env: 'CCAG_SEARCH_API_KEY', description: 'the provider\'s API key (brave, tavily, serper)' },
  { key: 'searchAllowPrivate', env: 'CCAG_SEARCH_ALLOW_PRIVATE', boolean: true, description: 'let the search provider URL be a private or loopback address (a SearXNG inside the network)' },
  { key: 'searchPriceUsd', env: 'CCAG_SEARCH_PRICE_USD', description: 'what one web search costs in spend and budgets, USD (default 0.01, as Anthropic charges)' },
  { key: 'circuitFailures', env: 'CCAG_CIRCUIT_FAILURES', description: 'consecutive failures (throttling, 5xx, timeouts, connection errors) that take an endpoint out of rotation for a model (default 3)' },
  { key: 'circuitCooldownSeconds', env: 'CCAG_CIRCUIT_COOLDOWN_SECONDS', description: 'seconds an endpoint stays out before one probe request may try it again (default 30)' },
  { key: 'notifyMaxAttempts', env: 'CCAG_NOTIFY_MAX_ATTEMPTS', description: 'delivery attempts per notification and destination before it is given up (default 8)' },
  { key: 'notifyRetryBaseSeconds', env: 'CCAG_NOTIFY_RETRY_BASE_SECONDS', description: 'seconds before the first retry of a failed notification; each next retry waits twice as long, up to 15 minutes (default 5)' },
  { key: 'upstream', flag: '--upstream', env: 'CCAG_UPSTREAM', description: 'bedrock or emulator (default bedrock)' },
  { key: 'bedrockHttp', flag: '--bedrock-http', env: 'CCAG_BEDROCK_HTTP', description: 'HTTP version to Bedrock: 1.1 (keep-alive pool, default) or 2' },
  { key: 'bedrockClient', env: 'CCAG_BEDROCK_CLIENT', description: 'how models are invoked: direct (undici with the SDK\'s signer and event-stream codec, default) or sdk (the AWS SDK\'s commands)' },
  { key: 'bedrockConnectTimeoutMs', env: 'CCAG_BEDROCK_CONNECT_TIMEOUT_MS', description: 'milliseconds to connect to Bedrock before trying the next endpoint (default 10000)' },
  { key: 'bedrockFirstByteTimeoutMs', env: 'CCAG_BEDROCK_FIRST_BYTE_TIMEOUT_MS', description: 'milliseconds to wait for the start of Bedrock\'s answer before trying the next endpoint (default 120000: a model may think long)' },
  { key: 'bedrockIdleTimeoutMs', env: 'CCAG_BEDROCK_IDLE_TIMEOUT_MS', description: 'milliseconds a Bedrock stream may stay silent before it is ended with an error event (default 60000)' },
  { key: 'adminPassword', env: 'CCAG_ADMIN_PASSWORD', description: 'password of the bootstrap admin user "admin", used when it is first created' },
  { key: 'secretKey', env: 'CCAG_SECRET_KEY', description: 'encrypts stored secrets; required with Postgres, generated into the data folder otherwise' },
  { key: 'secretKeyPrevious', env: 'CCAG_SECRET_KEY_PREVIOUS', description: 'the previous secret key, still accepted for decryption during rotation' },
  { key: 'redisUrl', env: 'REDIS_URL', description: 'Redis for cluster-wide rate limits' },
  { key: 'logLevel', flag: '--log-level', env: 'CCAG_LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent (default info)' },
  { key: 'metricsToken', env: 'CCAG_METRICS_TOKEN', description: 'bearer token GET /metrics requires (at least 16 characters); unset: /metrics is open to anyone who reaches it' },
  { key: 'sessionMaxAgeHours', flag: '--session-max-age', env: 'CCAG_SESSION_MAX_AGE_HOURS', description: 'hours a login session lasts (default 168)' },
  { key: 'accessTokenTtl', flag: '--access-token-ttl', env: 'CCAG_ACCESS_TOKEN_TTL', description: 'lifetime of the access tokens device login and `ccag token` hand out (default 15m)' },
  { key: 'refreshTokenTtl', flag: '--refresh-token-ttl', env: 'CCAG_REFRESH_TOKEN_TTL', description: 'a signed-in device that does not refresh for this long must sign in again (default 30d)' },
  { key: 'deviceSessionMaxAge', flag: '--device-session-max-age', env: 'CCAG_DEVICE_SESSION_MAX_AGE', description: 'a device sign-in ends this long after it started, refreshed or not (default 90d)' },
  { key: 'devicePollIntervalSeconds', env: 'CCAG_DEVICE_POLL_INTERVAL_SECONDS', description: 'seconds between polls that device login asks clients for (default 5, as RFC 8628)' },
  { key: 'oidcIssuer', env: 'OIDC_ISSUER', description: 'seed one OIDC identity provider at start: its issuer (discovery) URL' },
  { key: 'oidcClientId', env: 'OIDC_CLIENT_ID', description: 'client id of the seeded identity provider' },
  { key: 'oidcClientSecret', env: 'OIDC_CLIENT_SECRET', description: 'client secret of the seeded identity provider (none for a public client)' },
  { key: 'oidcName', env: 'OIDC_NAME', description: 'name of the seeded identity provider (default sso)' },
  { key: 'pingIntervalSeconds', flag: '--ping-interval', env: 'CCAG_PING_INTERVAL_SECONDS', description: 'seconds of upstream silence before a stream gets a ping event (default 15)' },
  { key: 'dbOutageGraceSeconds', env: 'CCAG_DB_OUTAGE_GRACE_SECONDS', description: 'seconds inference goes on from caches while Postgres is unreachable (/ready says degraded); after that /ready answers 503 (default 300; 0: none)' },
  { key: 'budgetFailMode', env: 'CCAG_BUDGET_FAIL_MODE', description: 'while Postgres is unreachable, a request whose budget needs the database is refused (closed, default) or let through (open)' },
  { key: 'shutdownTimeoutSeconds', flag: '--shutdown-timeout', env: 'CCAG_SHUTDOWN_TIMEOUT_SECONDS', description: 'seconds in-flight requests get to finish on SIGTERM (default 30)' },
];

export interface Config {
  host: string;
  port: number;
  /** Postgres connection string, or undefined for the embedded database. */
  databaseUrl?: string;
  /** True when the PG* variables (not a URL) point at Postgres. */
  usePgEnv: boolean;
  dataDir: string;
  embeddedDb: boolean;
  publicUrl: string;
  /** False when publicUrl was derived from host and port (then the bound port replaces port 0). */
  publicUrlExplicit: boolean;
  trustedProxies: string[];
  maxBodyBytes: number;
  workers: number;
  region?: string;
  bedrockEndpoint?: string;
  stsEndpoint?: string;
  /** Web search: the provider the gateway runs searches with, and what one costs. */
  search: { kind: 'duckduckgo' | 'brave' | 'tavily' | 'serper' | 'searxng' | 'custom'; url?: string; apiKey?: string; allowPrivate: boolean; priceMicros: number };
  /** Circuit breaker of endpoint health. */
  circuit: { failuresToOpen: number; coolDownMs: number };
  /** Notification retries: attempts per delivery and the first backoff. */
  notify: { maxAttempts: number; retryBaseMs: number };
  upstream: 'bedrock' | 'emulator';
  bedrockHttp: '1.1' | '2';
  /** How InvokeModel(WithResponseStream) is called: undici + the SDK's signer and codec, or the SDK. */
  bedrockClient: 'direct' | 'sdk';
  bedrockTimeouts: { connectMs: number; firstByteMs: number; idleMs: number };
  adminPassword?: string;
  secretKey?: string;
  secretKeyPrevious?: string;
  redisUrl?: string;
  logLevel: (typeof logLevels)[number];
  /** The bearer token GET /metrics requires; undefined: open. */
  metricsToken?: string;
  sessionMaxAgeMs: number;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  deviceSessionMaxAgeMs: number;
  devicePollIntervalSeconds: number;
  /** The identity provider to seed from OIDC_* variables. */
  oidcSeed?: { name: string; issuer: string; clientId: string; clientSecret?: string };
  shutdownTimeoutMs: number;
  pingIntervalMs: number;
  /** Database outage: how long caches serve, and budgets' fail mode meanwhile. */
  dbOutage: { graceMs: number; budgetFailMode: 'open' | 'closed' };
}

/** Invalid configuration: its message is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Builds the Config from flags (taking precedence) and the environment.
 * Throws ConfigError naming the first bad setting.
 */
export function loadConfig(flags: Partial<Record<keyof RawConfig, unknown>>, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const setting of settings) {
    const fromFlag = flags[setting.key];
    const fromEnv = setting.env ? env[setting.env] : undefined;
    const value = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (value !== undefined) raw[setting.key] = value;
  }
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const setting = settings.find((s) => s.key === issue.path[0]);
    throw new ConfigError(`invalid configuration: ${describeSetting(setting)}: ${issue.message}`);
  }
  const c = parsed.data;
  const usePgEnv = !c.databaseUrl && Boolean(env.PGHOST || env.PGDATABASE);
  const loopback = isLoopback(c.host);
  const embedded = !c.databaseUrl && !usePgEnv;

  if (embedded && !loopback && !c.embeddedDb) {
    throw new ConfigError(
      `invalid configuration: ${describeSetting(settings[0])}: ${c.host} is not a loopback address and no DATABASE_URL is set; ` +
        'set DATABASE_URL so replicas share one database, or pass --embedded-db to use the embedded one',
    );
  }
  if (!c.publicUrl && !loopback) {
    throw new ConfigError(`invalid configuration: --public-url / CCAG_PUBLIC_URL: required when listening on ${c.host}`);
  }
  if (embedded && c.workers > 1) {
    throw new ConfigError(
      `invalid configuration: --workers / CCAG_WORKERS: ${c.workers} workers need Postgres: set DATABASE_URL (the embedded database serves one process), or run 1 worker`,
    );
  }
  if (c.oidcIssuer && !c.oidcClientId) {
    throw new ConfigError('invalid configuration: OIDC_CLIENT_ID: required when OIDC_ISSUER is set');
  }
  const trustedProxies = (c.trustedProxies ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const badProxy = trustedProxies.find((p) => !isCidr(p));
  if (badProxy) {
    throw new ConfigError(`invalid configuration: --trusted-proxies / CCAG_TRUSTED_PROXIES: "${badProxy}" is not an IP address or CIDR`);
  }

  const hostForUrl = isIP(c.host) === 6 ? `[${c.host}]` : c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  return {
    host: c.host,
    port: c.port,
    databaseUrl: c.databaseUrl,
    usePgEnv,
    dataDir: c.dataDir ?? defaultDataDir(env),
    embeddedDb: c.embeddedDb,
    publicUrl: (c.publicUrl ?? `http://${hostForUrl}:${c.port}`).replace(/\/+$/, ''),
    publicUrlExplicit: Boolean(c.publicUrl),
    trustedProxies,
    maxBodyBytes: c.maxBodyBytes,
    workers: c.workers,
    region: c.region ?? (env.AWS_DEFAULT_REGION || undefined),
    bedrockEndpoint: c.bedrockEndpoint,
    stsEndpoint: c.stsEndpoint,
    search: { kind: c.searchProvider, url: c.searchUrl, apiKey: c.searchApiKey, allowPrivate: c.searchAllowPrivate, priceMicros: Math.round(c.searchPriceUsd * 1_000_000) },
    circuit: { failuresToOpen: c.circuitFailures, coolDownMs: c.circuitCooldownSeconds * 1000 },
    notify: { maxAttempts: c.notifyMaxAttempts, retryBaseMs: c.notifyRetryBaseSeconds * 1000 },
    upstream: c.upstream,
    bedrockHttp: c.bedrockHttp,
    bedrockClient: c.bedrockClient,
    bedrockTimeouts: { connectMs: c.bedrockConnectTimeoutMs, firstByteMs: c.bedrockFirstByteTimeoutMs, idleMs: c.bedrockIdleTimeoutMs },
    adminPassword: c.adminPassword,
    secretKey: c.secretKey,
    secretKeyPrevious: c.secretKeyPrevious,
    redisUrl: c.redisUrl,
    logLevel: c.logLevel,
    metricsToken: c.metricsToken,
    sessionMaxAgeMs: c.sessionMaxAgeHours * 3_600_000,
    accessTokenTtlMs: c.accessTokenTtl,
    refreshTokenTtlMs: c.refreshTokenTtl,
    deviceSessionMaxAgeMs: c.deviceSessionMaxAge,
    devicePollIntervalSeconds: c.devicePollIntervalSeconds,
    oidcSeed: c.oidcIssuer ? { name: c.oidcName, issuer: c.oidcIssuer, clientId: c.oidcClientId!, clientSecret: c.oidcClientSecret } : undefined,
    shutdownTimeoutMs: c.shutdownTimeoutSeconds * 1000,
    pingIntervalMs: c.pingIntervalSeconds * 1000,
    dbOutage: { graceMs: c.dbOutageGraceSeconds * 1000, budgetFailMode: c.budgetFailMode },
  };
}

/** The secret key is required with Postgres: all replicas must share it, and it never lives in the database. */
export function secretKeyRequired(config: Config): boolean {
  return Boolean(config.databaseUrl || config.usePgEnv);
}

export const missingSecretKey = new ConfigError(
  'invalid configuration: CCAG_SECRET_KEY: required with Postgres (every replica needs the same one; try: openssl rand -base64 32)',
);

function describeSetting(setting: Setting | undefined): string {
  if (!setting) return 'configuration';
  return [setting.flag, setting.env].filter(Boolean).join(' / ');
}

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'ccag');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isCidr(value: string): boolean {
  return value.split(',').every((part) => {
    const [address, bits, extra] = part.trim().split('/');
    if (extra !== undefined || !address) return false;
    const family = isIP(address);
    if (!family) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
  });
}
