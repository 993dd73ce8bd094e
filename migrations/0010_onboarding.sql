-- Onboarding: registration applications (platform data until a tenant exists).
-- Contact PII is encrypted with the platform onboarding key (envelope encryption); equality look-ups use
-- HMAC blind indexes. Company name, USCC and address are public registry facts and stay searchable.

CREATE TABLE registrations (
  id uuid PRIMARY KEY,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'expired')),
  version int NOT NULL DEFAULT 0,
  company_name text,
  uscc text,
  registered_address text,
  legal_representative text,
  contact_name_enc text,
  contact_mobile_enc text,
  contact_email_enc text,
  contact_email_bidx text,
  email_verified_at timestamptz,
  license_blob text,
  license_name text,
  license_mime text,
  license_size int,
  license_sha256 text,
  license_uploaded_at timestamptz,
  consent_version text,
  consented_at timestamptz,
  submitted_at timestamptz,
  decided_at timestamptz,
  tenant_id uuid REFERENCES tenants (id),
  created_ip text,
  locale text NOT NULL DEFAULT 'zh-CN',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A company may hold only one pending or approved application.
CREATE UNIQUE INDEX registrations_uscc_live ON registrations (uscc) WHERE status IN ('submitted', 'approved');
CREATE INDEX registrations_status ON registrations (status, submitted_at);
CREATE INDEX registrations_name_trgm ON registrations USING gin (company_name gin_trgm_ops);
ALTER TABLE registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE registrations FORCE ROW LEVEL SECURITY;
CREATE POLICY registrations_all ON registrations USING (app_is_platform()) WITH CHECK (app_is_platform());

-- Resume tokens: the applicant's proof of ownership (only hashes are stored; several may be live).
CREATE TABLE registration_tokens (
  registration_id uuid NOT NULL REFERENCES registrations (id),
  token_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (registration_id, token_hash)
);
ALTER TABLE registration_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_tokens_all ON registration_tokens USING (app_is_platform()) WITH CHECK (app_is_platform());

-- E-mail verification codes: one live code per application, bound to the address it was sent to.
CREATE TABLE registration_email_codes (
  registration_id uuid PRIMARY KEY REFERENCES registrations (id),
  code_hash text NOT NULL,
  email_bidx text NOT NULL,
  sent_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts int NOT NULL DEFAULT 0
);
ALTER TABLE registration_email_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_email_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_email_codes_all ON registration_email_codes USING (app_is_platform()) WITH CHECK (app_is_platform());

-- Every submitted version, whole (encrypted snapshot), so a reviewer sees what changed.
CREATE TABLE registration_versions (
  registration_id uuid NOT NULL REFERENCES registrations (id),
  version int NOT NULL,
  snapshot_enc text NOT NULL,
  submitted_at timestamptz NOT NULL,
  PRIMARY KEY (registration_id, version)
);
ALTER TABLE registration_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_versions_all ON registration_versions USING (app_is_platform()) WITH CHECK (app_is_platform());

CREATE TABLE registration_decisions (
  id uuid PRIMARY KEY,
  registration_id uuid NOT NULL REFERENCES registrations (id),
  version int NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
  reasons text[] NOT NULL DEFAULT '{}',
  comment text NOT NULL DEFAULT '',
  reviewer_id uuid NOT NULL REFERENCES platform_users (id),
  decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX registration_decisions_once ON registration_decisions (registration_id, version);
ALTER TABLE registration_decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_decisions_all ON registration_decisions USING (app_is_platform()) WITH CHECK (app_is_platform());

ALTER TABLE tenants ADD CONSTRAINT tenants_registration_fk FOREIGN KEY (registration_id) REFERENCES registrations (id);
