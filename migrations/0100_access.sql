-- Access: entitlements, roles, assignments, departments, invitations, data levels, denials, history,
-- permission change requests. See docs/access.md.

-- Sensitivity levels, ordered: public < internal < confidential < restricted.
CREATE FUNCTION app_level_rank(level text) RETURNS integer LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE level WHEN 'public' THEN 0 WHEN 'internal' THEN 1 WHEN 'confidential' THEN 2 WHEN 'restricted' THEN 3 ELSE NULL END $$;

-- The data-level check used by RLS policies of classified tables (documents here, contracts later).
-- The per-request settings are written by access.applyDataScope(tx, auth) inside the tenant transaction:
--   app.user_id, app.clearance (already capped by the tenant tier), app.scope, app.department_ids (csv).
-- Without them nothing is visible (fail closed); explicit platform work sees everything.
CREATE FUNCTION app_can_see(level text, owner_id uuid, department_id uuid) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT CASE
     WHEN app_is_platform() THEN true
     WHEN coalesce(current_setting('app.clearance', true), '') = '' THEN false
     WHEN app_level_rank(level) IS NULL THEN false
     WHEN app_level_rank(level) > app_level_rank(current_setting('app.clearance', true)) THEN false
     WHEN level = 'public' THEN true
     WHEN current_setting('app.scope', true) = 'tenant' THEN true
     WHEN owner_id IS NOT NULL AND owner_id = nullif(current_setting('app.user_id', true), '')::uuid THEN true
     WHEN current_setting('app.scope', true) IN ('department', 'department_and_below') AND department_id IS NOT NULL
       THEN department_id = ANY (string_to_array(coalesce(current_setting('app.department_ids', true), ''), ',')::uuid[])
     ELSE false
   END $$;

-- Entitlements: one row per tenant; only the platform writes it.
CREATE TABLE tenant_entitlements (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
  modules text[] NOT NULL DEFAULT '{}',
  seat_limit integer NOT NULL CHECK (seat_limit >= 1),
  tier text NOT NULL CHECK (tier IN ('public', 'internal', 'confidential', 'restricted')),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant_entitlements ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_entitlements FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_entitlements_read ON tenant_entitlements FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY tenant_entitlements_insert ON tenant_entitlements FOR INSERT WITH CHECK (app_is_platform() AND tenant_id = app_tenant());
CREATE POLICY tenant_entitlements_update ON tenant_entitlements FOR UPDATE USING (app_is_platform() AND tenant_id = app_tenant())
  WITH CHECK (app_is_platform() AND tenant_id = app_tenant());

-- Departments: a tree per tenant.
CREATE TABLE departments (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL,
  parent_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES departments (tenant_id, id)
);
CREATE UNIQUE INDEX departments_name ON departments (tenant_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
ALTER TABLE departments ENABLE ROW LEVEL SECURITY;
ALTER TABLE departments FORCE ROW LEVEL SECURITY;
CREATE POLICY departments_tenant ON departments USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Users: data clearance, scope and department.
ALTER TABLE users ADD COLUMN clearance text NOT NULL DEFAULT 'internal' CHECK (clearance IN ('public', 'internal', 'confidential', 'restricted'));
ALTER TABLE users ADD COLUMN scope text NOT NULL DEFAULT 'own' CHECK (scope IN ('own', 'department', 'department_and_below', 'tenant'));
ALTER TABLE users ADD COLUMN department_id uuid;
ALTER TABLE users ADD CONSTRAINT users_department_fk FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id);

-- Roles per tenant: built-in (seeded at provisioning, read-only for the tenant) and custom.
CREATE TABLE roles (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  key text NOT NULL,
  name text NOT NULL,
  permissions text[] NOT NULL DEFAULT '{}',
  builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX roles_name ON roles (tenant_id, name);
CREATE UNIQUE INDEX roles_key ON roles (tenant_id, key);
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
CREATE POLICY roles_tenant ON roles USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Assignments: the source of truth; users.roles mirrors the role keys for display (kept in sync).
CREATE TABLE user_roles (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role_id uuid NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by uuid,
  PRIMARY KEY (tenant_id, user_id, role_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id)
);
CREATE INDEX user_roles_role ON user_roles (tenant_id, role_id);
ALTER TABLE user_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_roles FORCE ROW LEVEL SECURITY;
CREATE POLICY user_roles_tenant ON user_roles USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Invitations: the link carries <tenant id>.<random>; only the SHA-256 of the random part is stored.
CREATE TABLE invitations (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  email text NOT NULL,
  email_key text NOT NULL,
  token_hash bytea NOT NULL,
  role_ids uuid[] NOT NULL DEFAULT '{}',
  department_id uuid,
  clearance text NOT NULL DEFAULT 'internal',
  scope text NOT NULL DEFAULT 'own',
  invited_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_user_id uuid,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);
CREATE UNIQUE INDEX invitations_token ON invitations (tenant_id, token_hash);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Denied attempts (append-only).
CREATE TABLE denials (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  user_id uuid,
  permission text,
  level text,
  reason text NOT NULL,
  object_type text,
  object_id text,
  ip text,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX denials_time ON denials (tenant_id, occurred_at DESC);
ALTER TABLE denials ENABLE ROW LEVEL SECURITY;
ALTER TABLE denials FORCE ROW LEVEL SECURITY;
CREATE POLICY denials_read ON denials FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY denials_insert ON denials FOR INSERT WITH CHECK (tenant_id = app_tenant());

-- Every permission change (append-only). The operator reads all tenants'.
CREATE TABLE permission_history (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL,
  actor_id text,
  actor_label text,
  kind text NOT NULL,
  subject_type text NOT NULL,
  subject_id text,
  subject_label text,
  before jsonb,
  after jsonb,
  reason text,
  request_id uuid,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX permission_history_time ON permission_history (tenant_id, occurred_at DESC);
ALTER TABLE permission_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE permission_history FORCE ROW LEVEL SECURITY;
CREATE POLICY permission_history_read ON permission_history FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY permission_history_insert ON permission_history FOR INSERT WITH CHECK (tenant_id = app_tenant());

-- Permission change requests: a tenant asks, the platform decides.
CREATE TABLE permission_requests (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('module', 'tier', 'seats')),
  module text,
  tier text,
  seats integer,
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'applied')),
  requested_by uuid NOT NULL,
  requested_by_label text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_by text,
  decided_at timestamptz,
  decision_comment text,
  effective_from timestamptz,
  applied_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX permission_requests_status ON permission_requests (tenant_id, status);
ALTER TABLE permission_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE permission_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY permission_requests_read ON permission_requests FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY permission_requests_insert ON permission_requests FOR INSERT WITH CHECK (tenant_id = app_tenant());
CREATE POLICY permission_requests_update ON permission_requests FOR UPDATE USING (tenant_id = app_tenant() AND app_is_platform())
  WITH CHECK (tenant_id = app_tenant() AND app_is_platform());

-- Classified documents: the reference table for data-level enforcement (level + owner + department).
-- Tenant isolation (permissive) AND the data-level check (restrictive) both apply.
CREATE TABLE documents (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  title text NOT NULL,
  level text NOT NULL CHECK (level IN ('public', 'internal', 'confidential', 'restricted')),
  owner_id uuid NOT NULL,
  department_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_tenant ON documents USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY documents_level ON documents AS RESTRICTIVE USING (app_can_see(level, owner_id, department_id))
  WITH CHECK (app_can_see(level, owner_id, department_id));

-- Over-reach audit reports (stored per run).
CREATE TABLE access_reports (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  trigger text NOT NULL CHECK (trigger IN ('scheduled', 'on_demand')),
  findings jsonb NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE access_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY access_reports_read ON access_reports FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY access_reports_insert ON access_reports FOR INSERT WITH CHECK (tenant_id = app_tenant());
