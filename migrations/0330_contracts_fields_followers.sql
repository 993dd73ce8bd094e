-- Contract UX: tenant-defined custom fields, followers, configurable expiry reminder days, metadata
-- snapshots in versions, and read state of in-app notifications.

-- Custom field definitions per tenant (managed with templates.manage); values live in contracts.custom_fields.
CREATE TABLE contract_field_definitions (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  label_zh text NOT NULL,
  label_en text NOT NULL,
  type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'amount', 'select')),
  required boolean NOT NULL DEFAULT false,
  options jsonb NOT NULL DEFAULT '[]'::jsonb,
  position int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);

-- Users who follow a contract (expiry and renewal reminders go to the owner and the followers).
CREATE TABLE contract_followers (
  tenant_id uuid NOT NULL,
  contract_id uuid NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, contract_id, user_id),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX contract_followers_user ON contract_followers (tenant_id, user_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['contract_field_definitions', 'contract_followers'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t || '_tenant', t);
  END LOOP;
END $$;
-- A follower row is visible only through a visible contract (data levels, as for the other child tables).
CREATE POLICY contract_followers_level ON contract_followers AS RESTRICTIVE
  USING (EXISTS (SELECT 1 FROM contracts c WHERE c.tenant_id = contract_followers.tenant_id AND c.id = contract_followers.contract_id))
  WITH CHECK (EXISTS (SELECT 1 FROM contracts c WHERE c.tenant_id = contract_followers.tenant_id AND c.id = contract_followers.contract_id));

-- Expiry reminder thresholds (days before the end date), default 90/30/7.
ALTER TABLE contract_settings
  ADD COLUMN expiry_reminder_days int[] NOT NULL DEFAULT '{90,30,7}';

-- Expiry and renewal reminders are kept apart (one row per contract, kind and threshold), and a changed
-- end date (e.g. a renewal) starts the thresholds again.
ALTER TABLE contract_reminders ADD COLUMN kind text NOT NULL DEFAULT 'expiry' CHECK (kind IN ('expiry', 'renewal'));
ALTER TABLE contract_reminders ADD COLUMN end_date date;
UPDATE contract_reminders r SET end_date = c.end_date FROM contracts c WHERE c.tenant_id = r.tenant_id AND c.id = r.contract_id;
DELETE FROM contract_reminders WHERE end_date IS NULL;
ALTER TABLE contract_reminders ALTER COLUMN end_date SET NOT NULL;
ALTER TABLE contract_reminders DROP CONSTRAINT contract_reminders_pkey;
ALTER TABLE contract_reminders ADD PRIMARY KEY (tenant_id, contract_id, kind, end_date, threshold_days);

-- Every save that changes something is a version: the metadata (amount, parties, dates, type, tags,
-- custom fields …) is snapshotted with the body, encrypted with the tenant key like the body.
ALTER TABLE contract_versions ADD COLUMN meta_enc text;
