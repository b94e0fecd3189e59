-- Notifications: where events go (destinations), the events themselves, the outbox of
-- deliveries still to make (claimed by any replica with FOR UPDATE SKIP LOCKED), and every
-- delivery attempt made.

CREATE TABLE notification_destinations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('webhook', 'sns', 'eventbridge')),
  -- The event types it receives.
  events text[] NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- webhook: where to POST, json or slack (incoming-webhook) bodies, the HMAC signing secret
  -- (AES-256-GCM under CCAG_SECRET_KEY; shown once), whether the URL may be internal.
  url text,
  format text NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'slack')),
  signing_secret_sealed text,
  allow_private boolean NOT NULL DEFAULT false,
  -- sns: topic ARN; eventbridge: bus name or ARN. Both: region, an optional role to assume and
  -- an endpoint override (VPC endpoints, tests).
  topic_arn text,
  event_bus text,
  region text,
  role_arn text,
  external_id text,
  endpoint_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notification_destinations_name_key ON notification_destinations (lower(name));

CREATE TABLE notification_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  data jsonb NOT NULL,
  -- Events that many replicas may notice (a key about to expire, an endpoint going down) are
  -- recorded once: the first insert wins.
  dedupe_key text UNIQUE
);
CREATE INDEX notification_events_occurred_idx ON notification_events (occurred_at);

CREATE TABLE notification_outbox (
  event_id uuid NOT NULL REFERENCES notification_events (id) ON DELETE CASCADE,
  destination_id uuid NOT NULL REFERENCES notification_destinations (id) ON DELETE CASCADE,
  -- Attempts started so far.
  attempts integer NOT NULL DEFAULT 0,
  -- When it is due; a claimed row is pushed past the attempt's time-out, so a replica that
  -- dies mid-delivery leaves it to another.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, destination_id)
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at);

CREATE TABLE notification_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  destination_id uuid NOT NULL REFERENCES notification_destinations (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES notification_events (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  -- delivered; retrying (failed, tried again later); failed (given up or not retryable).
  status text NOT NULL CHECK (status IN ('delivered', 'retrying', 'failed')),
  http_status integer,
  error text,
  duration_ms integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_deliveries_destination_idx ON notification_deliveries (destination_id, at, id);

-- The health of an endpoint for a model as last reported cluster-wide: the first replica to see
-- it go down (or come back) reports it; the others find it reported already.
CREATE TABLE endpoint_health_reports (
  endpoint_id text NOT NULL,
  model text NOT NULL,
  healthy boolean NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, model)
);
