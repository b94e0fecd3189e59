-- Inference: admin model mappings, admin beta overrides, and one row per request (usage, never content).

CREATE TABLE model_mappings (
  model text PRIMARY KEY,
  bedrock_model text NOT NULL,
  display_name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_betas (
  model text NOT NULL,
  beta text NOT NULL,
  allowed boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, beta)
);

CREATE TABLE requests (
  id text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  key_id uuid,
  user_id uuid,
  team_id uuid,
  route text NOT NULL,
  model text,
  bedrock_model text,
  region text,
  stream boolean NOT NULL DEFAULT false,
  status integer NOT NULL,
  error_type text,
  stop_reason text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cache_read_tokens integer NOT NULL DEFAULT 0,
  cache_write_5m_tokens integer NOT NULL DEFAULT 0,
  cache_write_1h_tokens integer NOT NULL DEFAULT 0,
  latency_ms integer,
  ttft_ms integer,
  tool_names text[],
  client_aborted boolean NOT NULL DEFAULT false,
  retried_without text[]
);
CREATE INDEX requests_at_idx ON requests (at);
CREATE INDEX requests_user_at_idx ON requests (user_id, at);
CREATE INDEX requests_team_at_idx ON requests (team_id, at);
