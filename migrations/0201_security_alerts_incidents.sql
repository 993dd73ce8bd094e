-- Anomaly alerts (raised by rules over the audit log) and security incidents.

-- Alerts belong to the chain whose events raised them (a tenant, or the platform's nil UUID).
CREATE TABLE security_alerts (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  rule text NOT NULL CHECK (rule IN ('mass_download', 'failed_logins', 'repeated_denials', 'off_hours_access', 'api_key_new_ip')),
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  dedup_key text NOT NULL,
  actor_id text,
  actor_label text,
  summary jsonb NOT NULL DEFAULT '{}'::jsonb,
  first_seq bigint,
  last_seq bigint,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'dismissed', 'escalated')),
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by text,
  note text,
  incident_id uuid,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX security_alerts_dedup ON security_alerts (tenant_id, dedup_key);
CREATE INDEX security_alerts_status ON security_alerts (tenant_id, status, created_at DESC);
ALTER TABLE security_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY security_alerts_scope ON security_alerts USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- How far the rules have read each audit chain.
CREATE TABLE anomaly_scan_state (
  tenant_id uuid NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0,
  scanned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
ALTER TABLE anomaly_scan_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE anomaly_scan_state FORCE ROW LEVEL SECURITY;
CREATE POLICY anomaly_scan_state_scope ON anomaly_scan_state USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- Incidents are run by the platform's security officers. Severity follows the national grading:
-- general 一般, major 较大, serious 重大, critical 特别重大; major or worse must reach the regulator
-- within 4 hours of detection.
CREATE TABLE security_incidents (
  id uuid PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  severity text NOT NULL CHECK (severity IN ('general', 'major', 'serious', 'critical')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'contained', 'resolved', 'closed')),
  detected_at timestamptz NOT NULL,
  regulator_deadline timestamptz,
  regulator_reported_at timestamptz,
  regulator_reference text,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE security_incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY security_incidents_all ON security_incidents USING (app_is_platform()) WITH CHECK (app_is_platform());

-- The timeline (append-only).
CREATE TABLE incident_events (
  incident_id uuid NOT NULL REFERENCES security_incidents (id),
  id uuid NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('created', 'note', 'containment', 'status', 'severity', 'tenant_notified', 'regulator_reported', 'alert_linked')),
  text text NOT NULL,
  actor_id uuid,
  actor_label text,
  PRIMARY KEY (incident_id, id)
);
CREATE INDEX incident_events_time ON incident_events (incident_id, at);
ALTER TABLE incident_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_events FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_events_all ON incident_events USING (app_is_platform()) WITH CHECK (app_is_platform());

-- What an affected tenant was told (the tenant reads its notices; the incident itself stays the platform's).
CREATE TABLE incident_notices (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  incident_id uuid NOT NULL REFERENCES security_incidents (id),
  id uuid NOT NULL,
  title text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  notified_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE incident_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_notices_scope ON incident_notices USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());
