-- SSO: OIDC identity providers, sign-ins in flight, device codes (RFC 8628), and signed-in
-- devices with their rotating refresh tokens.

CREATE TABLE identity_providers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  issuer text NOT NULL,
  client_id text NOT NULL,
  -- AES-256-GCM under CCAG_SECRET_KEY (SecretBox); never returned by the API.
  client_secret_sealed text,
  scopes text[] NOT NULL DEFAULT '{openid,profile,email,offline_access}',
  user_claim text NOT NULL DEFAULT 'email',
  groups_claim text NOT NULL DEFAULT 'groups',
  allowed_domains text[] NOT NULL DEFAULT '{}',
  auto_provision boolean NOT NULL DEFAULT true,
  default_role text NOT NULL DEFAULT 'member' CHECK (default_role IN ('admin', 'team_admin', 'member', 'viewer')),
  default_team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
  -- [{"group": "...", "team": "<team id>"?, "role": "..."?}], first match wins.
  group_mappings jsonb NOT NULL DEFAULT '[]',
  enabled boolean NOT NULL DEFAULT true,
  -- Set for the provider seeded from OIDC_ISSUER at start (updated from the environment).
  seeded_from_env boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX identity_providers_name_key ON identity_providers (lower(name));

ALTER TABLE users ADD COLUMN idp_id uuid REFERENCES identity_providers (id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN idp_subject text;
ALTER TABLE users ADD COLUMN idp_groups text[];
CREATE UNIQUE INDEX users_idp_subject_key ON users (idp_id, idp_subject);

-- Authorization-code sign-ins waiting for the IdP's redirect; any replica can finish one.
CREATE TABLE oidc_logins (
  state_hash text PRIMARY KEY,
  idp_id uuid NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  -- The browser that started it (hash of a cookie): a callback from another browser is refused.
  browser_hash text NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('portal', 'device')),
  device_code_id uuid,
  return_to text,
  expires_at timestamptz NOT NULL
);

CREATE TABLE device_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_code_hash text NOT NULL UNIQUE,
  user_code text NOT NULL UNIQUE,
  client_id text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  idp_id uuid REFERENCES identity_providers (id) ON DELETE SET NULL,
  idp_refresh_sealed text,
  interval_seconds integer NOT NULL DEFAULT 5,
  last_polled_at timestamptz,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- One signed-in device: a refresh-token family.
CREATE TABLE device_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id text NOT NULL,
  idp_id uuid REFERENCES identity_providers (id) ON DELETE SET NULL,
  idp_refresh_sealed text,
  idp_checked_at timestamptz,
  -- Claimed by the refresh that re-checks with the IdP, so parallel refreshes check once.
  idp_check_claimed_at timestamptz,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The maximum session age: no refresh goes past it.
  expires_at timestamptz NOT NULL,
  last_refresh_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX device_sessions_user_idx ON device_sessions (user_id);
CREATE INDEX device_sessions_created_idx ON device_sessions (created_at, id);

CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES device_sessions (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
