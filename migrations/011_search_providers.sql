-- Web search providers an admin adds (the CCAG_SEARCH_* one stays the fallback), and which one
-- the gateway, a team or a user searches with: user's assignment, else team's, else gateway's.

CREATE TABLE search_providers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('duckduckgo', 'brave', 'tavily', 'serper', 'searxng', 'custom')),
  url text,
  -- AES-256-GCM under CCAG_SECRET_KEY (SecretBox); never returned by the API.
  api_key_sealed text,
  -- Skip the SSRF guard: the URL may be loopback or private (a SearXNG inside the network).
  allow_private boolean NOT NULL DEFAULT false,
  -- Per attempt; null: the default (10 s).
  timeout_ms integer CHECK (timeout_ms > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX search_providers_name_key ON search_providers (lower(name));

CREATE TABLE search_provider_assignments (
  scope text NOT NULL CHECK (scope IN ('gateway', 'team', 'user')),
  -- The team or user id; null for the gateway.
  subject_id uuid,
  provider_id uuid NOT NULL REFERENCES search_providers (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope = 'gateway') = (subject_id IS NULL))
);
-- One assignment per subject; NULLS NOT DISTINCT is not in every Postgres, so the gateway's
-- single row is kept unique by an index on the scope alone.
CREATE UNIQUE INDEX search_provider_assignments_subject_key ON search_provider_assignments (scope, subject_id) WHERE subject_id IS NOT NULL;
CREATE UNIQUE INDEX search_provider_assignments_gateway_key ON search_provider_assignments (scope) WHERE subject_id IS NULL;
