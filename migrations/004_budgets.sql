-- Budgets: limits on spend per user, team or key and period, their shared usage ledger,
-- the per-replica leases of headroom, and threshold events (recorded once per period).

CREATE TABLE budgets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  scope text NOT NULL CHECK (scope IN ('user', 'team', 'key')),
  target_id uuid NOT NULL,
  amount_micros bigint NOT NULL CHECK (amount_micros > 0),
  period text NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')),
  rules jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (scope, target_id)
);

CREATE TABLE budget_usage (
  budget_id uuid NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  spent_micros bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_id, period_start)
);

CREATE TABLE budget_leases (
  budget_id uuid NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  replica text NOT NULL,
  amount_micros bigint NOT NULL,
  -- The part of the lease held by requests running (or not yet settled) at the last write.
  running_micros bigint NOT NULL DEFAULT 0,
  -- Bumped by every write, so a replica applies its lease's writes in the order they happened.
  version bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (budget_id, period_start, replica)
);

CREATE TABLE budget_events (
  budget_id uuid NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  pct integer NOT NULL,
  action text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  spent_micros bigint NOT NULL,
  PRIMARY KEY (budget_id, period_start, pct)
);
