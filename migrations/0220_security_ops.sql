-- Security operations: new-network rule, per-tenant anomaly settings (thresholds, working hours),
-- incidents with affected tenants, resolution and post-mortem, typed containment actions on the
-- timeline, training gates on risky permissions, and the database-side record of audit checkpoints.

-- The sixth anomaly rule: sign-in from a network (IPv4 /24, IPv6 /48) or country not seen before.
ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_rule_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_rule_check
  CHECK (rule IN ('mass_download', 'failed_logins', 'repeated_denials', 'off_hours_access', 'api_key_new_ip', 'new_network'));

-- A tenant's anomaly settings (edited by its tenant admins). `rules` holds per-rule overrides
-- ({"mass_download": {"enabled": true, "threshold": 20, "windowMinutes": 10}, ...}); missing keys use the
-- built-in defaults. Working hours: local time in `work_time_zone` (NULL = the tenant's zone),
-- ISO weekdays 1 (Mon) .. 7 (Sun), minutes since midnight [start, end).
CREATE TABLE anomaly_settings (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  rules jsonb NOT NULL DEFAULT '{}'::jsonb,
  work_time_zone text,
  work_days int[] NOT NULL DEFAULT '{1,2,3,4,5,6,7}',
  work_start_minute int NOT NULL DEFAULT 420 CHECK (work_start_minute BETWEEN 0 AND 1439),
  work_end_minute int NOT NULL DEFAULT 1320 CHECK (work_end_minute BETWEEN 1 AND 1440),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  PRIMARY KEY (tenant_id),
  CHECK (work_start_minute < work_end_minute)
);
ALTER TABLE anomaly_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE anomaly_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY anomaly_settings_scope ON anomaly_settings USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant() OR app_is_platform());

-- Incidents: resolution and post-mortem (required before closing a 较大-or-worse incident).
ALTER TABLE security_incidents ADD COLUMN resolution text;
ALTER TABLE security_incidents ADD COLUMN resolved_at timestamptz;
ALTER TABLE security_incidents ADD COLUMN closed_at timestamptz;
ALTER TABLE security_incidents ADD COLUMN root_cause text;
ALTER TABLE security_incidents ADD COLUMN impact text;
ALTER TABLE security_incidents ADD COLUMN lessons text;
ALTER TABLE security_incidents ADD COLUMN follow_up_actions text;

-- The tenants an incident affects (picked by the security officer, or added by a containment action).
CREATE TABLE incident_tenants (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  incident_id uuid NOT NULL REFERENCES security_incidents (id),
  added_at timestamptz NOT NULL DEFAULT now(),
  added_by uuid,
  PRIMARY KEY (tenant_id, incident_id)
);
CREATE INDEX incident_tenants_incident ON incident_tenants (incident_id);
ALTER TABLE incident_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_tenants_all ON incident_tenants USING (app_is_platform()) WITH CHECK (app_is_platform());

-- New timeline kinds: a containment action that was carried out, affected tenants, resolution, post-mortem.
ALTER TABLE incident_events DROP CONSTRAINT incident_events_kind_check;
ALTER TABLE incident_events ADD CONSTRAINT incident_events_kind_check
  CHECK (kind IN ('created', 'note', 'containment', 'status', 'severity', 'tenant_notified', 'regulator_reported', 'alert_linked',
                  'containment_action', 'tenants', 'resolution', 'postmortem'));

-- Training gates: a permission stays withheld from a user until they completed every course listed for it.
CREATE TABLE training_gates (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  permission text NOT NULL,
  course_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  PRIMARY KEY (tenant_id, permission, course_id),
  FOREIGN KEY (tenant_id, course_id) REFERENCES training_courses (tenant_id, id)
);
ALTER TABLE training_gates ENABLE ROW LEVEL SECURITY;
ALTER TABLE training_gates FORCE ROW LEVEL SECURITY;
CREATE POLICY training_gates_tenant ON training_gates USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (tenant_id = app_tenant());

-- The highest checkpointed seq of each chain, kept in the database as well: a checkpoint file that was
-- deleted or cut is reported by the verifier (the file and this table must agree).
CREATE TABLE audit_checkpoint_marks (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);
ALTER TABLE audit_checkpoint_marks ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoint_marks FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_checkpoint_marks_scope ON audit_checkpoint_marks USING (tenant_id = app_tenant() OR app_is_platform())
  WITH CHECK (app_is_platform());
