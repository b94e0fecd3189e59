-- Routing: Bedrock endpoints (accounts and regions), which ones each team uses and how.

CREATE TABLE endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  region text NOT NULL,
  -- {"type":"default"} (the AWS chain) or {"type":"assume_role","roleArn":…,"externalId":…,"sessionName":…}
  credentials jsonb NOT NULL DEFAULT '{"type":"default"}',
  -- The inference-profile prefix to call models with; null: the region's own.
  profile_prefix text CHECK (profile_prefix IN ('us', 'eu', 'apac', 'au', 'jp', 'us-gov', 'global')),
  -- Model id → application inference profile ARN.
  model_arns jsonb NOT NULL DEFAULT '{}',
  priority integer NOT NULL DEFAULT 100,
  weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000),
  enabled boolean NOT NULL DEFAULT true,
  endpoint_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX endpoints_name_key ON endpoints (lower(name));

CREATE TABLE team_routing (
  team_id uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
  strategy text NOT NULL CHECK (strategy IN ('primary-fallback', 'round-robin', 'sticky-user')),
  endpoint_ids uuid[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE requests ADD COLUMN endpoint text;
