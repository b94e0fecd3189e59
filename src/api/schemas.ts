/**
 * Admin API request and response schemas: the one source of truth for the server's
 * validation, the CLI's flags and the portal's forms.
 */
import { z } from 'zod';
import { durationHint, parseDuration } from './duration.js';
import { notificationEventTypes } from '../notify/events.js';

export const roles = ['admin', 'team_admin', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];
export const keyScopes = ['inference', 'admin'] as const;
export type KeyScope = (typeof keyScopes)[number];

const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const teamName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
const email = z.email('must be an email address').max(320).transform((v) => v.toLowerCase());
const password = z.string().min(12, 'must be at least 12 characters').max(1024);
const duration = z.string().refine((v) => parseDuration(v) !== undefined, `must be ${durationHint}`);
const timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });
const modelId = z.string().trim().min(1).max(300);

/** A reference to a resource: its id, or its unique name (team name, user email, key prefix). */
export const ref = z.string().trim().min(1).max(320);

/** Rate limits: requests a minute, tokens (input + output) a minute, requests at once; null or 0 = unlimited. */
const limit = z.number().int('must be a whole number').min(0).max(100_000_000).nullable();
export const limitFields = { rpm: limit.optional(), tpm: limit.optional(), concurrency: limit.optional() };
export interface Limits {
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
}

export const loginRequest = z.strictObject({
  username: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
  /** The portal: the session goes into the HttpOnly cookie, never into the response body. */
  cookie: z.boolean().optional(),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const createTeamRequest = z.strictObject({ name: teamName, description: z.string().max(2000).optional(), ...limitFields });
export const updateTeamRequest = z.strictObject({ name: teamName.optional(), description: z.string().max(2000).nullable().optional(), ...limitFields });
export type CreateTeamRequest = z.infer<typeof createTeamRequest>;
export type UpdateTeamRequest = z.infer<typeof updateTeamRequest>;

export const createUserRequest = z.strictObject({
  email,
  name: name.optional(),
  role: z.enum(roles).default('member'),
  team: ref.optional(),
  password: password.optional(),
  ...limitFields,
});
export const updateUserRequest = z.strictObject({
  email: email.optional(),
  name: name.nullable().optional(),
  role: z.enum(roles).optional(),
  team: ref.nullable().optional(),
  password: password.optional(),
  ...limitFields,
});
export type CreateUserRequest = z.infer<typeof createUserRequest>;
export type UpdateUserRequest = z.infer<typeof updateUserRequest>;

export const addMemberRequest = z.strictObject({ user: ref, role: z.enum(['team_admin', 'member', 'viewer']).optional() });

export const createKeyRequest = z
  .strictObject({
    name,
    user: ref.optional(),
    team: ref.optional(),
    scope: z.enum(keyScopes).default('inference'),
    expires_at: timestamp.optional(),
    expires_in: duration.optional(),
    models: z.array(modelId).max(100).optional(),
    /** A monthly budget for the key, in USD (default rules: 80% notify, 100% block). */
    budget_usd: z.number().positive('must be above 0').max(100_000_000).optional(),
    ...limitFields,
  })
  .refine((v) => !(v.expires_at && v.expires_in), { message: 'give expires_at or expires_in, not both', path: ['expires_in'] });
export type CreateKeyRequest = z.infer<typeof createKeyRequest>;

export const rotateKeyRequest = z.strictObject({ grace_period: duration.optional() });

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

export const userListQuery = listQuery.extend({
  team: ref.optional(),
  role: z.enum(roles).optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const keyListQuery = listQuery.extend({
  user: ref.optional(),
  team: ref.optional(),
  include_revoked: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const auditListQuery = listQuery.extend({
  since: timestamp.optional(),
  until: timestamp.optional(),
  /** An action (`key.revoke`), or every action of a kind (`user.*`). */
  action: z.string().max(100).regex(/^[a-z_]+(\.([a-z_]+|\*))?$/, 'must be an action such as key.revoke, or user.* for all of a kind').optional(),
  /** Part of the actor's name, not case-sensitive (`scim:okta`, `alice@`). */
  actor: z.string().min(1).max(320).optional(),
  target_type: z.string().max(50).optional(),
  target_id: z.string().max(320).optional(),
});

export const modelRef = z.string().trim().min(1).max(300).regex(/^[A-Za-z0-9._:\/\[\]*-]+$/, 'must be a model id');
export const mapModelRequest = z.strictObject({
  bedrock_model: z.string().trim().min(1).max(300).regex(/^[A-Za-z0-9._:\/-]+$/, 'must be a Bedrock model id, inference profile id or ARN'),
  display_name: z.string().trim().min(1).max(200).optional(),
});
export const betaOverrideRequest = z.strictObject({
  model: z.string().trim().min(1).max(300).default('*'),
  beta: z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,99}$/, 'must be a beta name such as context-1m-2025-08-07'),
  allowed: z.boolean(),
});

const usdPerMtok = z.number().min(0, 'must not be negative').max(100_000, 'must be at most 100000 USD per million tokens');
const percent = z.number().int().min(0).max(1000);
export const priceFields = z.strictObject({
  input: usdPerMtok,
  output: usdPerMtok,
  cache_read: usdPerMtok.optional(),
  cache_write_5m: usdPerMtok.optional(),
  cache_write_1h: usdPerMtok.optional(),
  long_context_threshold: z.number().int().positive().nullable().optional(),
  long_context_input_pct: percent.optional(),
  long_context_output_pct: percent.optional(),
  regional_uplift_pct: percent.optional(),
});
export type PriceFields = z.infer<typeof priceFields>;
export const importPricesRequest = z.strictObject({
  prices: z.array(priceFields.extend({ model: modelRef })).min(1).max(1000),
});

export const spendGroups = ['user', 'team', 'key', 'model', 'day'] as const;
/** A report in one page (limit and cursor are accepted for list clients, and ignored). */
export const spendQuery = listQuery.extend({
  by: z.enum(spendGroups).default('user'),
  since: timestamp.optional(),
  until: timestamp.optional(),
  user: ref.optional(),
  team: ref.optional(),
  model: z.string().max(300).optional(),
  /** csv: the report as `ccag spend --csv` prints it (text/csv). */
  format: z.enum(['json', 'csv']).default('json'),
});

export const analyticsGranularities = ['hour', 'day', 'week'] as const;
export type AnalyticsGranularity = (typeof analyticsGranularities)[number];
export const analyticsMetrics = [
  'spend_usd', 'requests', 'errors', 'active_users', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
] as const;
export type AnalyticsMetric = (typeof analyticsMetrics)[number];
export const analyticsGroupings = ['none', 'team', 'user', 'model', 'endpoint'] as const;
export const analyticsBreakdowns = ['team', 'user', 'model', 'endpoint', 'tool'] as const;
export type AnalyticsDimension = (typeof analyticsBreakdowns)[number];

/** An instant as a timestamp, or as a duration back from now (`7d`, `24h`). */
const instant = z
  .string()
  .refine((v) => parseDuration(v) !== undefined || timestamp.safeParse(v).success, `must be an RFC 3339 timestamp or ${durationHint}`);

/** The range and filters every analytics report takes. */
export const analyticsQuery = z.strictObject({
  since: instant.default('30d'),
  until: instant.optional(),
  team: ref.optional(),
  user: ref.optional(),
  model: z.string().max(300).optional(),
  endpoint: z.string().max(200).optional(),
  /** Bucket size; by default an hour for ranges up to 2 days, else a day. */
  granularity: z.enum(analyticsGranularities).optional(),
});
export type AnalyticsQuery = z.infer<typeof analyticsQuery>;
export const analyticsTimeseriesQuery = analyticsQuery.extend({
  metric: z.enum(analyticsMetrics).default('spend_usd'),
  group_by: z.enum(analyticsGroupings).default('none'),
});
export const analyticsBreakdownQuery = analyticsQuery.extend({ by: z.enum(analyticsBreakdowns).default('team') });

/** Percentiles in milliseconds; null when there was nothing to measure. */
export interface Percentiles<T = number | null> {
  p50: T;
  p95: T;
  p99: T;
}

export interface AnalyticsSummary {
  since: string;
  until: string;
  requests: number;
  errors: number;
  active_users: number;
  spend_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** cache_read / (input + cache_read + cache_write); 0 when there were no input tokens. */
  cache_hit_rate: number;
  web_searches: number;
  latency_ms: Percentiles;
  ttft_ms: Percentiles;
}

export interface AnalyticsSeries {
  /** A team or user id, a model id or an endpoint name; null for requests without one; `other` for the rest. */
  key: string | null;
  label: string;
  values: number[];
}

export interface AnalyticsTimeseries {
  metric: AnalyticsMetric;
  granularity: AnalyticsGranularity;
  group_by: (typeof analyticsGroupings)[number];
  /** Bucket starts (RFC 3339), contiguous, empty ones included. */
  buckets: string[];
  series: AnalyticsSeries[];
}

export interface AnalyticsLatency {
  granularity: AnalyticsGranularity;
  buckets: string[];
  latency_ms: Percentiles<(number | null)[]>;
  ttft_ms: Percentiles<(number | null)[]>;
}

export interface AnalyticsBreakdownRow {
  key: string | null;
  label: string;
  requests: number;
  errors: number;
  spend_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  latency_p50_ms: number | null;
}

export interface AnalyticsBudget {
  id: string;
  scope: 'user' | 'team' | 'key';
  target_id: string;
  /** The user's email, team name or key prefix. */
  target_label: string | null;
  amount_usd: number;
  period: 'daily' | 'weekly' | 'monthly';
  period_start: string;
  period_end: string;
  spent_usd: number;
  remaining_usd: number;
  /** This period's spend extrapolated linearly to its end. */
  forecast_usd: number;
  forecast_exceeds: boolean;
}

export const budgetScopes = ['user', 'team', 'key'] as const;
export const budgetPeriods = ['daily', 'weekly', 'monthly'] as const;
export const budgetRule = z.discriminatedUnion('action', [
  z.strictObject({ pct: z.number().int().min(1).max(1000), action: z.literal('notify') }),
  z.strictObject({ pct: z.number().int().min(1).max(1000), action: z.literal('block') }),
  z.strictObject({ pct: z.number().int().min(1).max(1000), action: z.literal('throttle'), rpm: z.number().int().min(1).max(100_000) }),
]);
export type BudgetRule = z.infer<typeof budgetRule>;
export const defaultBudgetRules: BudgetRule[] = [
  { pct: 80, action: 'notify' },
  { pct: 100, action: 'block' },
];
export const setBudgetRequest = z.strictObject({
  scope: z.enum(budgetScopes),
  target: ref,
  amount_usd: z.number().positive('must be above 0').max(100_000_000),
  period: z.enum(budgetPeriods).default('monthly'),
  rules: z.array(budgetRule).max(20).default(defaultBudgetRules),
});

/** Policies: first match wins (by position), then the default. See docs/policies.md. */
const policyName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit')
  .refine((n) => n.toLowerCase() !== 'explain', 'explain is reserved');
const modelPattern = z.string().trim().regex(/^(\*|[A-Za-z0-9._:/\[\]-]{1,300}\*?)$/, 'must be a model id or alias, or a prefix ending in * (claude-haiku-*)');
const toolPattern = z.string().trim().regex(/^(\*|[A-Za-z0-9_.:-]{1,200}\*?)$/, 'must be a tool name, or a prefix ending in * (mcp__github__*)');
const policyFields = {
  team: ref.nullable().optional(),
  group: z.string().trim().min(1).max(300).nullable().optional(),
  /** null: any model. */
  allowed_models: z.array(modelPattern).max(200).nullable().optional(),
  denied_tools: z.array(toolPattern).max(500).optional(),
  /** null: no cap. */
  max_output_tokens: z.number().int('must be a whole number').min(1).max(10_000_000).nullable().optional(),
  /** 1 is tried first; default: after the others (before the default policy). */
  position: z.number().int('must be a whole number').min(1).max(100_000).optional(),
};
export const createPolicyRequest = z.strictObject({ name: policyName.optional(), default: z.boolean().optional(), ...policyFields });
export const updatePolicyRequest = z.strictObject({ name: policyName.optional(), ...policyFields });
export type CreatePolicyRequest = z.infer<typeof createPolicyRequest>;
export type UpdatePolicyRequest = z.infer<typeof updatePolicyRequest>;
export const explainPolicyQuery = z.strictObject({ user: ref.optional(), key: ref.optional(), model: z.string().trim().min(1).max(300).optional(), tool: z.string().trim().min(1).max(200).optional() });

// Responses. Times are RFC 3339 UTC strings; ids are UUIDs.
const idpName = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
const claimName = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_:./-]+$/, 'must be a claim name such as email, preferred_username, upn, oid or sub');
const emailDomain = z.string().trim().toLowerCase().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be a domain such as example.com');
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be an OAuth scope');
export const groupMapping = z
  .strictObject({ group: z.string().min(1).max(300), team: ref.optional(), role: z.enum(roles).optional() })
  .refine((m) => m.team !== undefined || m.role !== undefined, 'a group mapping sets a team, a role, or both');
const idpFields = {
  issuer: z.url('must be the issuer or discovery URL, such as https://login.example.com'),
  client_id: z.string().trim().min(1).max(300),
  client_secret: z.string().min(1).max(4096).nullable().optional(),
  scopes: z.array(scope).min(1).max(30).refine((s) => s.includes('openid'), 'must include openid').optional(),
  user_claim: claimName.optional(),
  groups_claim: claimName.optional(),
  allowed_domains: z.array(emailDomain).max(100).optional(),
  auto_provision: z.boolean().optional(),
  default_role: z.enum(roles).optional(),
  default_team: ref.nullable().optional(),
  group_mappings: z.array(groupMapping).max(500).optional(),
  enabled: z.boolean().optional(),
};
export const createIdpRequest = z.strictObject({ name: idpName, ...idpFields });
export const updateIdpRequest = z.strictObject({
  name: idpName.optional(),
  ...idpFields,
  issuer: idpFields.issuer.optional(),
  client_id: idpFields.client_id.optional(),
});
export const deviceSessionListQuery = listQuery.extend({ user: ref.optional(), all: z.enum(['true', 'false']).optional() });

const endpointName = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"').refine((n) => n.toLowerCase() !== 'default', '"default" is the built-in endpoint\'s name');
const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1');
export const profilePrefixes = ['us', 'eu', 'apac', 'au', 'jp', 'us-gov', 'global'] as const;
/** How an endpoint's calls are signed: the gateway's own AWS identity, or a role it assumes (no static keys over the API). */
export const endpointCredentialsRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('default') }),
  z.strictObject({
    type: z.literal('assume_role'),
    roleArn: z.string().trim().max(2048).regex(/^arn:aws[-a-z]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN, like arn:aws:iam::123456789012:role/Name'),
    externalId: z.string().regex(/^[\w+=,.@:\/-]{2,1224}$/, 'must be 2-1224 letters, digits or any of _+=,.@:/-').optional(),
    sessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 letters, digits or any of _+=,.@-').optional(),
    durationSeconds: z.number().int('must be a whole number').min(900).max(43200).optional(),
  }),
]);
const endpointFields = {
  region: awsRegion,
  credentials: endpointCredentialsRequest.optional(),
  profile_prefix: z.enum(profilePrefixes).nullable().optional(),
  model_arns: z.record(z.string().min(1).max(300), z.string().regex(/^arn:aws[-a-z]*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile\/[a-z0-9]+$/, 'must be an application inference profile ARN')).optional(),
  priority: z.number().int().min(0).max(1_000_000).optional(),
  weight: z.number().int().min(1).max(1000).optional(),
  enabled: z.boolean().optional(),
  endpoint_url: z.url('must be a URL such as https://bedrock-runtime.us-east-1.amazonaws.com').nullable().optional(),
};
export const createEndpointRequest = z.strictObject({ name: endpointName, ...endpointFields });
export const updateEndpointRequest = z.strictObject({ name: endpointName.optional(), ...endpointFields, region: awsRegion.optional() });
export const testEndpointRequest = z.strictObject({ model: z.string().min(1).max(300).optional() });
export const routingStrategies = ['primary-fallback', 'round-robin', 'sticky-user'] as const;
export const teamRoutingRequest = z.strictObject({ strategy: z.enum(routingStrategies).default('primary-fallback'), endpoints: z.array(ref).min(1).max(50) });

export const searchProviderKinds = ['duckduckgo', 'brave', 'tavily', 'serper', 'searxng', 'custom'] as const;
export const searchScopes = ['gateway', 'team', 'user'] as const;
const searchProviderName = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
const searchProviderFields = {
  kind: z.enum(searchProviderKinds),
  url: z.url('must be a URL such as https://search.example.com/search?q={query}').max(2048).nullable().optional(),
  api_key: z.string().min(1).max(4096).nullable().optional(),
  allow_private: z.boolean().optional(),
  timeout_ms: z.number().int('must be a whole number').min(100).max(120_000).nullable().optional(),
};
export const createSearchProviderRequest = z.strictObject({ name: searchProviderName, ...searchProviderFields });
export const updateSearchProviderRequest = z.strictObject({ name: searchProviderName.optional(), ...searchProviderFields, kind: searchProviderFields.kind.optional() });
export const testSearchProviderRequest = z.strictObject({ query: z.string().trim().min(1).max(500).optional() });
/** Who searches with a provider: the gateway (everyone without a closer assignment), a team (by name or id), a user (email or id). */
export const searchAssignmentRequest = z
  .strictObject({ scope: z.enum(searchScopes), subject: ref.optional() })
  .refine((a) => (a.scope === 'gateway') === (a.subject === undefined), 'the gateway scope takes no subject; team and user scopes need one');

export interface Team {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  limits: Limits;
  created_at: string;
  updated_at: string;
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  name: string | null;
  role: Role;
  team_id: string | null;
  team: string | null;
  active: boolean;
  has_password: boolean;
  limits: Limits;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scope: KeyScope;
  user_id: string | null;
  user: string | null;
  team_id: string | null;
  team: string | null;
  models: string[] | null;
  limits: Limits;
  status: 'active' | 'expired' | 'revoked';
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

/** A key as returned by create and rotate: the only time the secret is shown. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string | null;
  actor_user_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  ip: string | null;
}

export interface Me {
  user: User | null;
  team: { id: string; name: string } | null;
  role: Role;
  auth: { method: 'key' | 'session' | 'token'; key_id?: string; key_prefix?: string; scope: KeyScope; expires_at: string | null };
}

export interface LoginResponse {
  token: string;
  expires_at: string;
  user: User;
}

/** A login with `cookie: true`: the token is only in the Set-Cookie header. */
export type CookieLoginResponse = Omit<LoginResponse, 'token'>;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface WellKnown {
  name: 'ccag';
  version: string;
  public_url: string;
  admin_api: string;
  /** `sso` (device login through an IdP) and/or `password`. */
  login_methods: string[];
  identity_providers: string[];
  device_authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  access_token_ttl_seconds: number;
  /** The client id `ccag connect` uses for device login. */
  client_id: string;
}

export interface ModelMappingView {
  model: string;
  /** What Bedrock is called with for this gateway's default region. */
  bedrock_model: string;
  display_name: string;
  source: 'catalog' | 'admin';
  context_window: number | null;
  thinking: 'enabled' | 'adaptive' | 'both' | 'none' | null;
  count_tokens: boolean;
}

export interface BetaOverrideView {
  model: string;
  beta: string;
  allowed: boolean;
}

/** Prices in USD per million tokens. */
export interface PriceView {
  model: string;
  input: number;
  output: number;
  cache_read: number;
  cache_write_5m: number;
  cache_write_1h: number;
  long_context_threshold: number | null;
  long_context_input_pct: number;
  long_context_output_pct: number;
  regional_uplift_pct: number;
  source: 'list' | 'admin';
}

export interface SpendRow {
  /** What the row groups by: a user's email, a team name, a key prefix, a model id or a UTC day. */
  group: string;
  group_id: string | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  /** Requests charged at the fallback price because their model had none. */
  unpriced_requests: number;
}

export interface BudgetView {
  id: string;
  scope: 'user' | 'team' | 'key';
  target_id: string;
  /** The user's email, team name or key prefix. */
  target: string | null;
  amount_usd: number;
  period: 'daily' | 'weekly' | 'monthly';
  rules: BudgetRule[];
  period_start: string;
  resets_at: string;
  spent_usd: number;
  remaining_usd: number;
}

/** A budget threshold crossed, recorded once per budget, period and threshold. */
export interface BudgetEvent {
  budget_id: string;
  period_start: string;
  pct: number;
  action: 'notify' | 'throttle' | 'block';
  at: string;
  spent_usd: number;
}

export interface IdentityProvider {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  /** Whether a client secret is stored; the secret itself is never returned. */
  has_client_secret: boolean;
  scopes: string[];
  user_claim: string;
  groups_claim: string;
  allowed_domains: string[];
  auto_provision: boolean;
  default_role: Role;
  default_team: string | null;
  group_mappings: { group: string; team: string | null; role: Role | null }[];
  enabled: boolean;
  /** Created from OIDC_ISSUER at start: the environment keeps issuer, client id and secret in line. */
  seeded_from_env: boolean;
  /** The redirect URI to register at the IdP. */
  redirect_uri: string;
  /** SCIM provisioning: on when a token exists (its prefix shown, never the token). */
  scim: { enabled: boolean; url: string; token_prefix: string | null };
  created_at: string;
  updated_at: string;
}

export interface ScimTokenResponse {
  idp: string;
  /** The SCIM base URL to enter at the IdP (Okta: base URL; Entra: tenant URL). */
  scim_url: string;
  /** The bearer token, shown once. */
  token: string;
  token_prefix: string;
}

export interface IdpTestResult {
  ok: boolean;
  issuer: string | null;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  error: string | null;
}

/** A signed-in device (device login): the refresh-token family behind `ccag token`. */
export interface DeviceSession {
  id: string;
  user_id: string;
  user: string;
  client_id: string;
  idp: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  expires_at: string;
  last_refresh_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
}

export interface PolicyView {
  id: string;
  name: string;
  /** 1 is tried first; null for the default policy (always last). */
  position: number | null;
  default: boolean;
  team_id: string | null;
  team: string | null;
  /** Lower-case. */
  group: string | null;
  /** null: any model. */
  allowed_models: string[] | null;
  denied_tools: string[];
  /** null: no cap. */
  max_output_tokens: number | null;
  created_at: string;
  updated_at: string;
}

export type PolicyMatch = 'team' | 'group' | 'team_and_group' | 'default' | 'none';

/** Which policy decides for a user or key, why, and what it does to a model and a tool. */
export interface PolicyExplanation {
  subject: { user_id: string | null; user: string | null; key: string | null; team_id: string | null; team: string | null; groups: string[] };
  policy: PolicyView | null;
  matched_by: PolicyMatch;
  reason: string;
  /** Policies tried before the one that decides, and why each did not match. */
  skipped: { name: string; position: number | null; reason: string }[];
  model: { name: string; allowed: boolean; reason: string } | null;
  tool: { name: string; allowed: boolean; reason: string } | null;
  max_output_tokens: number | null;
}

export interface EndpointView {
  id: string;
  name: string;
  region: string;
  /** How calls are signed; never a secret (static keys are not accepted by the API). */
  credentials: { type: 'default' } | { type: 'assume_role'; roleArn: string; externalId?: string; sessionName?: string; durationSeconds?: number };
  profile_prefix: string | null;
  model_arns: Record<string, string>;
  priority: number;
  weight: number;
  enabled: boolean;
  endpoint_url: string | null;
  /** This replica's view: the circuits of the endpoint's models. */
  health: { state: 'closed' | 'open' | 'half-open'; requests: number; errors: number; latency_ms: number | null; models: { model: string; state: string; consecutive_failures: number; last_error: string | null }[] };
  created_at: string;
  updated_at: string;
}

export interface EndpointTestResult {
  ok: boolean;
  endpoint: string;
  model: string;
  bedrock_model: string;
  latency_ms: number;
  error: string | null;
}

export interface TeamRouting {
  team: string;
  strategy: (typeof routingStrategies)[number];
  endpoints: string[];
}

export interface SearchAssignment {
  scope: (typeof searchScopes)[number];
  /** Team name or user email; null for the gateway. */
  subject: string | null;
  provider: string;
}

export interface SearchProviderView {
  id: string;
  name: string;
  kind: (typeof searchProviderKinds)[number];
  url: string | null;
  /** The API key is sealed at rest and never returned. */
  has_api_key: boolean;
  allow_private: boolean;
  timeout_ms: number | null;
  /** Who searches with it. */
  assignments: SearchAssignment[];
  created_at: string;
  updated_at: string;
}

export interface SearchProviderTestResult {
  ok: boolean;
  provider: string;
  query: string;
  results: number;
  first: { url: string; title: string } | null;
  latency_ms: number;
  error: string | null;
}

// ---- Notifications ----
export { notificationEventTypes };
export const notificationDestinationTypes = ['webhook', 'sns', 'eventbridge'] as const;
export const webhookFormats = ['json', 'slack'] as const;
export const deliveryStatuses = ['delivered', 'retrying', 'failed'] as const;
const destinationName = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
const destinationFields = {
  events: z
    .array(z.enum(notificationEventTypes))
    .min(1, 'must name at least one event type')
    .max(notificationEventTypes.length)
    .refine((e) => new Set(e).size === e.length, 'must not repeat an event type'),
  enabled: z.boolean().optional(),
  url: z.url('must be a URL such as https://hooks.example.com/ccag').max(2048).nullable().optional(),
  format: z.enum(webhookFormats).optional(),
  allow_private: z.boolean().optional(),
  topic_arn: z.string().trim().regex(/^arn:aws[-a-z]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN, like arn:aws:sns:us-east-1:123456789012:ccag').nullable().optional(),
  event_bus: z.string().trim().regex(/^(arn:aws[-a-z]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/, 'must be an event bus name or ARN').nullable().optional(),
  region: awsRegion.nullable().optional(),
  role_arn: z.string().trim().max(2048).regex(/^arn:aws[-a-z]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN, like arn:aws:iam::123456789012:role/Name').nullable().optional(),
  external_id: z.string().regex(/^[\w+=,.@:\/-]{2,1224}$/, 'must be 2-1224 letters, digits or any of _+=,.@:/-').nullable().optional(),
  endpoint_url: z.url('must be a URL such as https://sns.us-east-1.amazonaws.com').nullable().optional(),
};
export const createNotificationRequest = z.strictObject({ name: destinationName, type: z.enum(notificationDestinationTypes), ...destinationFields });
export const updateNotificationRequest = z.strictObject({
  name: destinationName.optional(),
  ...destinationFields,
  events: destinationFields.events.optional(),
  /** Webhooks: a new signing secret, returned once in `signing_secret`. */
  rotate_secret: z.literal(true).optional(),
});
export const deliveryListQuery = listQuery.extend({ status: z.enum(deliveryStatuses).optional() });
export type CreateNotificationRequest = z.infer<typeof createNotificationRequest>;
export type UpdateNotificationRequest = z.infer<typeof updateNotificationRequest>;

export interface NotificationDestination {
  id: string;
  name: string;
  type: (typeof notificationDestinationTypes)[number];
  events: (typeof notificationEventTypes)[number][];
  enabled: boolean;
  /** webhook */
  url: string | null;
  format: (typeof webhookFormats)[number];
  allow_private: boolean;
  /** The webhook signing secret is sealed at rest; returned only by create and rotate_secret. */
  has_signing_secret: boolean;
  /** sns */
  topic_arn: string | null;
  /** eventbridge */
  event_bus: string | null;
  /** sns and eventbridge */
  region: string | null;
  role_arn: string | null;
  external_id: string | null;
  endpoint_url: string | null;
  created_at: string;
  updated_at: string;
}

/** What create (and update with rotate_secret) answer: the destination and, for webhooks, its signing secret, this once. */
export interface CreatedNotificationDestination extends NotificationDestination {
  signing_secret?: string;
}

export interface NotificationDelivery {
  id: string;
  destination_id: string;
  destination: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: (typeof deliveryStatuses)[number];
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  at: string;
}

export interface NotificationTestResult {
  ok: boolean;
  /** The test event sent (type notification.test). */
  event: { id: string; type: string; time: string; data: Record<string, unknown> };
  delivery: NotificationDelivery;
}
