-- Analytics: web searches per request, and rollups of the requests table by hour and by UTC day
-- so reports over months read thousands of rows instead of millions. The request writer calls
-- rollup_requests() in the transaction that inserts the rows; this migration backfills.

ALTER TABLE requests ADD COLUMN web_searches integer NOT NULL DEFAULT 0;

-- Latency and time-to-first-token histograms: bucket 0 holds values under 1 ms, bucket i
-- (1..71) values in [1.25^(i-1), 1.25^i) ms, the last one everything from ~100 minutes on.
-- A histogram is packed into one numeric: bucket i counts in the 12 decimal digits from 10^(12i)
-- up, so sum() adds whole histograms in one cheap step per row (summing 72 array elements or
-- columns instead measured 20-30 times slower). src/analytics/histogram.ts unpacks them.
CREATE FUNCTION latency_bucket(ms integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN ms IS NULL THEN NULL WHEN ms < 1 THEN 0 ELSE least(71, 1 + floor(ln(ms) / ln(1.25))::integer) END $$;

-- One value as a packed histogram (0 for none).
CREATE FUNCTION latency_histogram(ms integer) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN ms IS NULL THEN 0 ELSE ('1' || repeat('0', 12 * latency_bucket(ms)))::numeric END $$;

-- One row per grain ('hour' | 'day'), bucket start (UTC), team, user, model and endpoint; tool ''
-- sums all requests, tool 'Bash' (etc.) the requests whose response used that tool.
CREATE TABLE request_rollups (
  grain text NOT NULL CHECK (grain IN ('hour', 'day')),
  tool text NOT NULL,
  bucket timestamptz NOT NULL,
  team_id uuid,
  user_id uuid,
  model text,
  endpoint text,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  cost_micros bigint NOT NULL,
  web_searches bigint NOT NULL,
  latency_hist numeric NOT NULL,
  ttft_hist numeric NOT NULL,
  CONSTRAINT request_rollups_key UNIQUE NULLS NOT DISTINCT (grain, tool, bucket, team_id, user_id, model, endpoint)
);
CREATE INDEX request_rollups_team_idx ON request_rollups (grain, tool, team_id, bucket);
CREATE INDEX request_rollups_user_idx ON request_rollups (grain, tool, user_id, bucket);

-- Adds the given requests to the rollups (call it once per request: it adds, it does not recount).
-- Rows are upserted in key order so concurrent writers lock them in the same order.
CREATE FUNCTION rollup_requests(ids text[]) RETURNS void LANGUAGE sql
AS $$
  INSERT INTO request_rollups AS t (grain, tool, bucket, team_id, user_id, model, endpoint, requests, errors, input_tokens,
    output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, web_searches, latency_hist, ttft_hist)
  SELECT g.grain, tl.tool, date_trunc(g.grain, r.at, 'UTC'), r.team_id, r.user_id, r.model, r.endpoint,
    count(*), count(*) FILTER (WHERE r.status >= 400 OR r.error_type IS NOT NULL),
    sum(r.input_tokens), sum(r.output_tokens), sum(r.cache_read_tokens), sum(r.cache_write_5m_tokens + r.cache_write_1h_tokens),
    sum(r.cost_micros), sum(r.web_searches), sum(latency_histogram(r.latency_ms)), sum(latency_histogram(r.ttft_ms))
  FROM requests r
  CROSS JOIN (VALUES ('hour'), ('day')) g (grain)
  CROSS JOIN LATERAL (SELECT DISTINCT unnest(array_prepend('', r.tool_names)) AS tool) tl
  WHERE r.id = ANY (ids)
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT ON CONSTRAINT request_rollups_key DO UPDATE SET
    requests = t.requests + EXCLUDED.requests,
    errors = t.errors + EXCLUDED.errors,
    input_tokens = t.input_tokens + EXCLUDED.input_tokens,
    output_tokens = t.output_tokens + EXCLUDED.output_tokens,
    cache_read_tokens = t.cache_read_tokens + EXCLUDED.cache_read_tokens,
    cache_write_tokens = t.cache_write_tokens + EXCLUDED.cache_write_tokens,
    cost_micros = t.cost_micros + EXCLUDED.cost_micros,
    web_searches = t.web_searches + EXCLUDED.web_searches,
    latency_hist = t.latency_hist + EXCLUDED.latency_hist,
    ttft_hist = t.ttft_hist + EXCLUDED.ttft_hist
$$;

SELECT rollup_requests(array_agg(id)) FROM requests;
