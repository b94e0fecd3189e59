-- SCIM 2.0 provisioning: a bearer token per identity provider, provisioned users (their SCIM
-- resource kept as sent), and groups with their members.

CREATE TABLE scim_tokens (
  idp_id uuid PRIMARY KEY REFERENCES identity_providers (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A user provisioned by SCIM belongs to users.idp_id; scim_data is the resource as the IdP
-- sent it (without password), returned as sent. A SCIM DELETE keeps the row (spend history
-- points at it) but hides it from SCIM and blocks the user.
ALTER TABLE users ADD COLUMN scim_external_id text;
ALTER TABLE users ADD COLUMN scim_data jsonb;
ALTER TABLE users ADD COLUMN scim_provisioned_at timestamptz;
ALTER TABLE users ADD COLUMN scim_deleted_at timestamptz;
CREATE INDEX users_idp_idx ON users (idp_id, created_at, id);

CREATE TABLE scim_groups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  idp_id uuid NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
  display_name text NOT NULL,
  external_id text,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX scim_groups_name_key ON scim_groups (idp_id, lower(display_name));
CREATE INDEX scim_groups_order_idx ON scim_groups (idp_id, created_at, id);

CREATE TABLE scim_group_members (
  group_id uuid NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_user_idx ON scim_group_members (user_id);
