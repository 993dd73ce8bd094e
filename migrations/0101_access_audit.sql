-- Over-reach audit: permission use, per-tenant audit settings, denial-spike alerts; document bodies.

-- Last day a user used a permission (a passing check), upserted at most once a day per user+permission.
CREATE TABLE permission_usage (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  user_id uuid NOT NULL,
  permission text NOT NULL,
  last_used_on date NOT NULL,
  PRIMARY KEY (tenant_id, user_id, permission),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
ALTER TABLE permission_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE permission_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY permission_usage_tenant ON permission_usage USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Per-tenant audit settings (absent row = defaults in the service).
CREATE TABLE access_audit_settings (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  sod_pairs jsonb NOT NULL,
  max_admins integer NOT NULL CHECK (max_admins >= 1),
  spike_threshold integer NOT NULL CHECK (spike_threshold >= 2),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
ALTER TABLE access_audit_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_audit_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY access_audit_settings_tenant ON access_audit_settings USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

-- Denial-spike alerts (append-only); operators read all tenants'.
CREATE TABLE access_alerts (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('denial_spike')),
  user_id uuid,
  user_label text,
  denial_count integer NOT NULL,
  window_minutes integer NOT NULL,
  recipients text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX access_alerts_user ON access_alerts (tenant_id, user_id, created_at DESC);
ALTER TABLE access_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY access_alerts_read ON access_alerts FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY access_alerts_insert ON access_alerts FOR INSERT WITH CHECK (tenant_id = app_tenant());

CREATE INDEX denials_user_time ON denials (tenant_id, user_id, occurred_at DESC);
CREATE INDEX access_reports_time ON access_reports (tenant_id, created_at DESC);

-- A document carries a text body (downloadable as a .txt file).
ALTER TABLE documents ADD COLUMN body text NOT NULL DEFAULT '';
