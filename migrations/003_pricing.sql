-- Pricing: admin price overrides (micro-dollars per million tokens) and each request's cost.

CREATE TABLE model_prices (
  model text PRIMARY KEY,
  input bigint NOT NULL CHECK (input >= 0),
  output bigint NOT NULL CHECK (output >= 0),
  cache_read bigint NOT NULL CHECK (cache_read >= 0),
  cache_write_5m bigint NOT NULL CHECK (cache_write_5m >= 0),
  cache_write_1h bigint NOT NULL CHECK (cache_write_1h >= 0),
  -- Above this many input tokens (1M-context requests) input and cache prices and the output
  -- price are multiplied by these percentages.
  long_context_threshold integer,
  long_context_input_pct integer NOT NULL DEFAULT 100,
  long_context_output_pct integer NOT NULL DEFAULT 100,
  regional_uplift_pct integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE requests ADD COLUMN cost_micros bigint NOT NULL DEFAULT 0;
-- False when no price was known and the fallback price was charged.
ALTER TABLE requests ADD COLUMN priced boolean NOT NULL DEFAULT true;
ALTER TABLE requests ADD COLUMN price_model text;
