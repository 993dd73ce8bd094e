-- Contracts (issue 4): contracts, versions (encrypted bodies), attachments, numbering, templates,
-- approval workflows, signing, seals, notifications, expiry reminders. See docs/contracts.md.

-- Gap-free numbering: one counter row per (tenant, series, year), incremented in the creating
-- transaction (the row lock serialises concurrent creations; a rollback gives the number back).
-- Series 'HT' = contract numbers, 'GD' = archive numbers.
CREATE TABLE contract_counters (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  series text NOT NULL CHECK (series IN ('HT', 'GD')),
  year int NOT NULL,
  last_seq int NOT NULL,
  PRIMARY KEY (tenant_id, series, year)
);

CREATE TABLE contract_templates (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL,
  type text NOT NULL,
  variables jsonb NOT NULL DEFAULT '[]'::jsonb,
  body text NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE contracts (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  number text NOT NULL,
  title text NOT NULL,
  type text NOT NULL,
  counterparties jsonb NOT NULL DEFAULT '[]'::jsonb,
  amount_fen bigint CHECK (amount_fen IS NULL OR amount_fen >= 0),
  currency text NOT NULL DEFAULT 'CNY',
  signing_date date,
  start_date date,
  end_date date,
  auto_renew boolean NOT NULL DEFAULT false,
  sensitivity text NOT NULL DEFAULT 'internal' CHECK (sensitivity IN ('public', 'internal', 'confidential', 'restricted')),
  owner_id uuid NOT NULL,
  department_id uuid,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'in_approval', 'approved', 'signing', 'signed', 'archived', 'withdrawn', 'terminated', 'expired')),
  tags text[] NOT NULL DEFAULT '{}',
  custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  retention_until date,
  archive_number text,
  archived_at timestamptz,
  template_id uuid,
  current_version int NOT NULL DEFAULT 1,
  -- title, number, parties, tags: not secret beyond the list view, trigram-indexed (docs/decisions.md)
  search_text text NOT NULL DEFAULT '',
  -- keyed (HMAC) character uni-/bigrams of the body: body search without storing the body in clear
  body_grams text[] NOT NULL DEFAULT '{}',
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, template_id) REFERENCES contract_templates (tenant_id, id)
);
CREATE UNIQUE INDEX contracts_number ON contracts (tenant_id, number);
CREATE UNIQUE INDEX contracts_archive_number ON contracts (tenant_id, archive_number) WHERE archive_number IS NOT NULL;
CREATE INDEX contracts_list ON contracts (tenant_id, updated_at DESC);
CREATE INDEX contracts_status ON contracts (tenant_id, status);
CREATE INDEX contracts_end ON contracts (tenant_id, end_date) WHERE end_date IS NOT NULL;
CREATE INDEX contracts_search ON contracts USING gin (search_text gin_trgm_ops);
CREATE INDEX contracts_grams ON contracts USING gin (body_grams);

-- Every save is a version; the body is encrypted with the tenant's data key. Append-only.
CREATE TABLE contract_versions (
  tenant_id uuid NOT NULL,
  contract_id uuid NOT NULL,
  version int NOT NULL,
  body_enc text NOT NULL,
  body_sha256 text NOT NULL,
  source text NOT NULL DEFAULT 'edit' CHECK (source IN ('edit', 'template', 'docx', 'pdf')),
  note text,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, contract_id, version),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)
);

CREATE TABLE contract_attachments (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  contract_id uuid NOT NULL,
  filename text NOT NULL,
  mime text NOT NULL,
  size_bytes bigint NOT NULL,
  sha256 text NOT NULL,
  blob_id uuid NOT NULL,
  kind text NOT NULL DEFAULT 'attachment' CHECK (kind IN ('attachment', 'sealed')),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)
);
CREATE INDEX contract_attachments_contract ON contract_attachments (tenant_id, contract_id);

-- Tenant settings of the contracts area.
CREATE TABLE contract_settings (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  watermark_downloads boolean NOT NULL DEFAULT false,
  retention_years int NOT NULL DEFAULT 10 CHECK (retention_years BETWEEN 1 AND 100),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);

-- Until the access module has departments: who heads a department (for "owner's department head" steps).
CREATE TABLE contract_department_heads (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  department_id uuid NOT NULL,
  user_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, department_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- Approval workflows ------------------------------------------------------------------------------
CREATE TABLE approval_workflows (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL,
  steps jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX approval_workflows_active ON approval_workflows (tenant_id) WHERE active;

-- One approval round per submission; steps are resolved (approvers fixed) when the round starts.
CREATE TABLE contract_approvals (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  contract_id uuid NOT NULL,
  round int NOT NULL,
  version int NOT NULL,
  steps jsonb NOT NULL,
  current_step int NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'returned', 'rejected', 'withdrawn', 'superseded')),
  submitted_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)
);
CREATE UNIQUE INDEX contract_approvals_round ON contract_approvals (tenant_id, contract_id, round);
CREATE UNIQUE INDEX contract_approvals_pending ON contract_approvals (tenant_id, contract_id) WHERE status = 'pending';

CREATE TABLE approval_decisions (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  approval_id uuid NOT NULL,
  step int NOT NULL,
  user_id uuid NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'return', 'reject')),
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, approval_id) REFERENCES contract_approvals (tenant_id, id)
);
CREATE UNIQUE INDEX approval_decisions_once ON approval_decisions (tenant_id, approval_id, step, user_id);

CREATE TABLE contract_notifications (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  kind text NOT NULL,
  contract_id uuid,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX contract_notifications_user ON contract_notifications (tenant_id, user_id, created_at DESC);

-- Signing -----------------------------------------------------------------------------------------
CREATE TABLE contract_signers (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  contract_id uuid NOT NULL,
  step int NOT NULL CHECK (step >= 1),
  kind text NOT NULL CHECK (kind IN ('internal', 'counterparty')),
  user_id uuid,
  name text NOT NULL,
  email text NOT NULL,
  party_name text,
  token_hash text,
  link_expires_at timestamptz,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed')),
  code_hash text,
  code_expires_at timestamptz,
  code_attempts int NOT NULL DEFAULT 0,
  signed_at timestamptz,
  method text,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
  CHECK ((kind = 'internal') = (user_id IS NOT NULL))
);
CREATE UNIQUE INDEX contract_signers_token ON contract_signers (tenant_id, token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX contract_signers_contract ON contract_signers (tenant_id, contract_id, step);

-- Exactly one seal per contract (primary key), written in the transaction of the last signature.
CREATE TABLE contract_seals (
  tenant_id uuid NOT NULL,
  contract_id uuid NOT NULL,
  original_sha256 text NOT NULL,
  sealed_sha256 text NOT NULL,
  attachment_id uuid NOT NULL,
  sealed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, contract_id),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
  FOREIGN KEY (tenant_id, attachment_id) REFERENCES contract_attachments (tenant_id, id)
);

-- Public verification looks a sealed file up by hash before any tenant is known: a platform table
-- holding only what the sealed PDF itself shows (number, title, signers), never the body.
CREATE TABLE sealed_documents (
  sha256 text PRIMARY KEY,
  owner_tenant_id uuid NOT NULL REFERENCES tenants (id),
  contract_id uuid NOT NULL,
  number text NOT NULL,
  title text NOT NULL,
  signers jsonb NOT NULL,
  sealed_at timestamptz NOT NULL
);
ALTER TABLE sealed_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE sealed_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY sealed_documents_platform ON sealed_documents USING (app_is_platform()) WITH CHECK (app_is_platform());
-- The sealing transaction runs as the tenant; it may add (never read or change) its own rows.
CREATE POLICY sealed_documents_insert ON sealed_documents FOR INSERT WITH CHECK (owner_tenant_id = app_tenant());

-- Expiry reminders: one row per (contract, threshold) once sent.
CREATE TABLE contract_reminders (
  tenant_id uuid NOT NULL,
  contract_id uuid NOT NULL,
  threshold_days int NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, contract_id, threshold_days),
  FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['contract_counters', 'contract_templates', 'contracts', 'contract_versions', 'contract_attachments',
    'contract_settings', 'contract_department_heads', 'approval_workflows', 'contract_approvals', 'approval_decisions',
    'contract_notifications', 'contract_signers', 'contract_seals', 'contract_reminders'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t || '_tenant', t);
  END LOOP;
END $$;
