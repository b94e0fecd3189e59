-- Request records the database refused (a bug, not an outage): kept for inspection instead of
-- being retried forever.
CREATE TABLE quarantined_requests (
  id text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  error text NOT NULL,
  record jsonb NOT NULL
);
