-- Policies: what a team or an IdP/SCIM group may do. The first policy (lowest position)
-- that matches a caller decides; the default policy (at most one, matching everyone) comes
-- after all of them. No policy at all allows everything.

CREATE TABLE policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  -- 1..n among the non-default policies; the default has none (it is always last).
  position int CHECK (position > 0),
  is_default boolean NOT NULL DEFAULT false,
  -- A team is deleted only once its policies are removed (the team route says so).
  team_id uuid REFERENCES teams (id),
  -- Matched case-insensitively; stored lower-case.
  group_name text CHECK (group_name = lower(group_name)),
  -- null: any model.
  allowed_models text[],
  denied_tools text[] NOT NULL DEFAULT '{}',
  -- null: no cap.
  max_output_tokens int CHECK (max_output_tokens > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (is_default = (team_id IS NULL AND group_name IS NULL)),
  CHECK (is_default = (position IS NULL))
);
CREATE UNIQUE INDEX policies_name_key ON policies (lower(name));
CREATE UNIQUE INDEX policies_one_default ON policies (is_default) WHERE is_default;
CREATE INDEX policies_team_idx ON policies (team_id);
